/**
 * A document's title, as every client and the server read it from the shared `Y.Doc`: the title
 * someone set (the `meta` map's `title`), else the text of the first heading, else of the first
 * block with text; an empty document has none. Reads the editor's XML fragment directly (element
 * names, text runs), so the server needs no editor code to name a document.
 */
import * as Y from 'yjs'

/** The Y.Map of document-wide settings. */
export const META_MAP = 'meta'

/** Longest title kept; longer ones are cut (a derived title at a word boundary). */
export const MAX_TITLE_LENGTH = 200

/** The fragment y-prosemirror binds (same name as `@tandem/document`'s `DOCUMENT_FRAGMENT`). */
const FRAGMENT = 'prosemirror'

/** Derived titles are cut around this length. */
const DERIVED_TITLE_LENGTH = 80

/** Deepest nesting read for titles and search; what lies deeper (no real document has it) is skipped. */
const MAX_DEPTH = 64

/** The characters of a text run. */
function runText(text: Y.XmlText): string {
  let out = ''
  for (const op of text.toDelta() as Array<{ insert: unknown }>) if (typeof op.insert === 'string') out += op.insert
  return out
}

/**
 * The text of an XML element or text, runs joined, nested blocks apart by a space, about `limit`
 * characters at most. Walks with an explicit stack: a client may nest elements thousands deep.
 */
function textOf(item: unknown, limit: number): string {
  if (item instanceof Y.XmlText) return runText(item)
  if (!(item instanceof Y.XmlElement)) return ''
  let out = ''
  const stack: { item: unknown; depth: number; separator: string }[] = [{ item, depth: 0, separator: '' }]
  while (stack.length > 0 && out.length <= limit) {
    const next = stack.pop()!
    if (next.item instanceof Y.XmlText) {
      out += next.separator + runText(next.item)
      continue
    }
    if (!(next.item instanceof Y.XmlElement) || next.depth >= MAX_DEPTH) continue
    const inline = next.item.nodeName === 'paragraph' || next.item.nodeName === 'heading'
    const children = next.item.toArray()
    // Pushed in reverse, so they come off the stack in order; blocks inside blocks apart by a space.
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ item: children[i], depth: next.depth + 1, separator: inline || i === 0 ? '' : ' ' })
    }
    if (out !== '' && !inline) out += next.separator
  }
  return out
}

/** `text` on one line, cut at a word boundary near `length` with an ellipsis. */
function shorten(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim()
  if (line.length <= length) return line
  const cut = line.slice(0, length + 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > length / 2 ? cut.slice(0, space) : cut.slice(0, length)).trimEnd()}…`
}

/** The title someone set, or `''`. */
export function setTitleOf(doc: Y.Doc): string {
  const title = doc.getMap(META_MAP).get('title')
  return typeof title === 'string' ? shorten(title, MAX_TITLE_LENGTH) : ''
}

/** The document's title: set, else first heading, else first text; `''` when it has none. */
export function documentTitle(doc: Y.Doc): string {
  const set = setTitleOf(doc)
  if (set) return set
  const blocks = doc.getXmlFragment(FRAGMENT).toArray()
  for (const block of blocks) {
    if (block instanceof Y.XmlElement && block.nodeName === 'heading') {
      const text = shorten(textOf(block, DERIVED_TITLE_LENGTH * 2), DERIVED_TITLE_LENGTH)
      if (text) return text
    }
  }
  for (const block of blocks) {
    const text = shorten(textOf(block, DERIVED_TITLE_LENGTH * 2), DERIVED_TITLE_LENGTH)
    if (text) return text
  }
  return ''
}

/** Set (or with `''`, clear) the document's title, in one transaction of `origin`. */
export function setDocumentTitle(doc: Y.Doc, title: string, origin?: unknown): void {
  const clean = title.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_LENGTH)
  doc.transact(() => {
    const meta = doc.getMap(META_MAP)
    if (clean) meta.set('title', clean)
    else meta.delete('title')
  }, origin)
}

/** The document's text, one line per block (for search), at most `limit` characters. */
export function documentText(doc: Y.Doc, limit: number): string {
  const lines: string[] = []
  let length = 0
  // Containers (lists, quotes, tables) are opened with an explicit stack; text blocks give a line each.
  const stack: { item: unknown; depth: number }[] = doc
    .getXmlFragment(FRAGMENT)
    .toArray()
    .reverse()
    .map((item) => ({ item, depth: 0 }))
  while (stack.length > 0 && length < limit) {
    const { item, depth } = stack.pop()!
    if (item instanceof Y.XmlElement && item.nodeName !== 'paragraph' && item.nodeName !== 'heading' && item.nodeName !== 'code_block') {
      if (depth < MAX_DEPTH) for (const child of item.toArray().reverse()) stack.push({ item: child, depth: depth + 1 })
      continue
    }
    const text = textOf(item, limit - length)
    if (text) {
      lines.push(text)
      length += text.length + 1
    }
  }
  return lines.join('\n').slice(0, limit)
}

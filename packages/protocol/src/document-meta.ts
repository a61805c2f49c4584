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

/** The text of an XML element or text, runs and nested blocks joined (blocks by a space). */
function textOf(item: unknown, limit: number): string {
  if (item instanceof Y.XmlText) {
    let text = ''
    for (const op of item.toDelta() as Array<{ insert: unknown }>) if (typeof op.insert === 'string') text += op.insert
    return text
  }
  if (!(item instanceof Y.XmlElement)) return ''
  const parts: string[] = []
  let length = 0
  for (const child of item.toArray()) {
    if (length > limit) break
    const text = textOf(child, limit)
    parts.push(text)
    length += text.length
  }
  return parts.join(item.nodeName === 'paragraph' || item.nodeName === 'heading' ? '' : ' ')
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
  const walk = (item: unknown): void => {
    if (length >= limit) return
    if (item instanceof Y.XmlElement && item.nodeName !== 'paragraph' && item.nodeName !== 'heading' && item.nodeName !== 'code_block') {
      for (const child of item.toArray()) walk(child)
      return
    }
    const text = textOf(item, limit - length)
    if (text) {
      lines.push(text)
      length += text.length + 1
    }
  }
  for (const block of doc.getXmlFragment(FRAGMENT).toArray()) walk(block)
  return lines.join('\n').slice(0, limit)
}

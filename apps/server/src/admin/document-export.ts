/**
 * Exports a document as ProseMirror JSON, HTML, Markdown or plain text. Reads the `prosemirror`
 * XML fragment the editor binds with y-prosemirror: elements are nodes (`paragraph`, `heading` with
 * `level`, `bullet_list`, `code_block`...), text carries marks as attributes (`strong`, `em`, `code`,
 * `link` with `href`, `underline`, `strike`). Unknown nodes keep their content, so no text is lost.
 *
 * Every exporter is total. A document is whatever its editors' clients wrote, schema or not: node
 * names may be `__proto__`, a heading `level` may be `{}` or `1e9`, attributes may be binary or
 * shared types, elements may nest thousands deep. Attributes are reduced to plain JSON, lookups
 * never reach `Object.prototype`, nesting beyond {@link MAX_EXPORT_DEPTH} is flattened into its
 * text, and every writer appends to one output list, so time stays linear in the document.
 */
import * as Y from 'yjs'

/** The editor's fragment name. */
export const EDITOR_FRAGMENT = 'prosemirror'

/**
 * Deepest element nesting exported with its structure; below it, an element's subtree becomes its
 * text. Real documents stay far shallower (a list level is two elements); the cap keeps the
 * recursive writers well inside the stack.
 */
export const MAX_EXPORT_DEPTH = 64

/** Deepest nesting kept inside one attribute value; deeper parts are dropped. */
const MAX_ATTR_DEPTH = 16

/** A ProseMirror JSON node. */
export interface PmNode {
  type: string
  attrs?: Record<string, unknown>
  content?: PmNode[]
  text?: string
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>
}

/** Export formats. */
export type ExportFormat = 'json' | 'html' | 'markdown' | 'text'

/** The document of `doc` as ProseMirror JSON (`{ type: 'doc', content }`), with plain-JSON attributes. */
export function toProseMirrorJson(doc: Y.Doc): PmNode {
  return { type: 'doc', content: childrenOf(doc.getXmlFragment(EDITOR_FRAGMENT), 1) }
}

function childrenOf(parent: Y.XmlFragment | Y.XmlElement, depth: number): PmNode[] {
  const nodes: PmNode[] = []
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) nodes.push(...textNodes(child))
    else if (child instanceof Y.XmlElement) {
      // An attribute named `__proto__` becomes the prototype of what getAttributes builds; the rest still counts.
      const attrs = plainRecord(child.getAttributes(), 0, true)
      let content: PmNode[]
      if (depth < MAX_EXPORT_DEPTH) content = childrenOf(child, depth + 1)
      else {
        const text = subtreeText(child)
        content = text ? [{ type: 'text', text }] : []
      }
      nodes.push({ type: child.nodeName, ...(attrs && Object.keys(attrs).length > 0 ? { attrs } : {}), ...(content.length > 0 ? { content } : {}) })
    }
    // Anything else in an element's list (raw values, hooks) is not ProseMirror content.
  }
  return nodes
}

function textNodes(text: Y.XmlText): PmNode[] {
  const nodes: PmNode[] = []
  for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
    if (typeof op.insert !== 'string' || op.insert === '') continue
    const marks = Object.entries(op.attributes ?? {}).map(([type, value]) => {
      const attrs = plainRecord(value, 0)
      return attrs && Object.keys(attrs).length > 0 ? { type, attrs } : { type }
    })
    nodes.push(marks.length > 0 ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert })
  }
  return nodes
}

/** The text below `root`, a line per text node of a different parent; iterative, for any depth. */
function subtreeText(root: Y.XmlElement): string {
  const parts: string[] = []
  const stack: unknown[] = root.toArray().reverse()
  let lastParent: unknown = null
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node instanceof Y.XmlText) {
      const text = textNodes(node).map((n) => n.text).join('')
      if (!text) continue
      if (lastParent !== null && node.parent !== lastParent) parts.push('\n')
      parts.push(text)
      lastParent = node.parent
    } else if (node instanceof Y.XmlElement) {
      const children = node.toArray()
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
    }
  }
  return parts.join('')
}

/** `value` as plain JSON: finite numbers, strings, booleans, null, arrays and plain objects only. */
function plainValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return value.toString()
    case 'object':
      if (value === null) return null
      if (depth >= MAX_ATTR_DEPTH) return undefined
      if (Array.isArray(value)) return value.map((item) => plainValue(item, depth + 1) ?? null)
      return plainRecord(value, depth)
    default:
      return undefined
  }
}

/** A plain object's own entries as plain JSON; `undefined` for anything else (binary, shared types...). */
function plainRecord(value: unknown, depth: number, anyPrototype = false): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth >= MAX_ATTR_DEPTH) return undefined
  const prototype = Object.getPrototypeOf(value) as unknown
  if (!anyPrototype && prototype !== Object.prototype && prototype !== null) return undefined
  const entries: Array<[string, unknown]> = []
  for (const [key, item] of Object.entries(value)) {
    const plain = plainValue(item, depth + 1)
    if (plain !== undefined) entries.push([key, plain])
  }
  return Object.fromEntries(entries)
}

/** A heading's level, 1 to 6, from whatever `attrs.level` holds. */
function headingLevel(node: PmNode): number {
  const level = node.attrs?.level
  const number = typeof level === 'number' ? level : typeof level === 'string' ? Number(level) : Number.NaN
  return Number.isFinite(number) ? Math.min(6, Math.max(1, Math.trunc(number))) : 1
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!)

// Maps, not object literals: a node named `constructor` must not find Object's.
const MARK_TAGS = new Map(Object.entries({ strong: 'strong', bold: 'strong', em: 'em', italic: 'em', code: 'code', underline: 'u', strike: 's' }))
const BLOCK_TAGS = new Map(Object.entries({ paragraph: 'p', blockquote: 'blockquote', bullet_list: 'ul', ordered_list: 'ol', list_item: 'li' }))

function safeHref(href: unknown): string | null {
  if (typeof href !== 'string') return null
  return /^(https?:|mailto:|\/|#)/i.test(href.trim()) ? href : null
}

/** The document as an HTML fragment. Text is escaped and only http(s)/mailto/relative links survive. */
export function toHtml(node: PmNode): string {
  const out: string[] = []
  writeHtml(node, out)
  return out.join('')
}

function writeHtml(node: PmNode, out: string[]): void {
  const children = (): void => {
    for (const child of node.content ?? []) writeHtml(child, out)
  }
  switch (node.type) {
    case 'doc':
      return children()
    case 'text': {
      let html = escapeHtml(node.text ?? '')
      for (const mark of node.marks ?? []) {
        const tag = MARK_TAGS.get(mark.type)
        if (mark.type === 'link') {
          const href = safeHref(mark.attrs?.href)
          if (href) html = `<a href="${escapeHtml(href)}">${html}</a>`
        } else if (tag) html = `<${tag}>${html}</${tag}>`
      }
      out.push(html)
      return children()
    }
    case 'heading': {
      const level = headingLevel(node)
      out.push(`<h${level}>`)
      children()
      out.push(`</h${level}>`)
      return
    }
    case 'code_block':
      out.push('<pre><code>')
      children()
      out.push('</code></pre>')
      return
    case 'horizontal_rule':
    case 'hard_break':
      out.push(node.type === 'hard_break' ? '<br>' : '<hr>')
      return children()
    default: {
      const tag = BLOCK_TAGS.get(node.type)
      out.push(tag ? `<${tag}>` : `<div data-type="${escapeHtml(node.type)}">`)
      children()
      out.push(tag ? `</${tag}>` : '</div>')
    }
  }
}

const isInline = (node: PmNode): boolean => node.type === 'text' || node.type === 'hard_break'

function markdownInline(nodes: PmNode[], out: string[]): void {
  for (const node of nodes) {
    if (node.type === 'hard_break') out.push('  \n')
    else if (node.type === 'text') {
      let text = node.text ?? ''
      const marks = new Set((node.marks ?? []).map((m) => m.type))
      if (marks.has('code')) text = `\`${text}\``
      else {
        if (marks.has('strong') || marks.has('bold')) text = `**${text}**`
        if (marks.has('em') || marks.has('italic')) text = `*${text}*`
        if (marks.has('strike')) text = `~~${text}~~`
        const href = safeHref(node.marks?.find((m) => m.type === 'link')?.attrs?.href)
        // Encode what would end the link destination early or break it across lines.
        if (href) text = `[${text}](${href.replace(/[\s()<>]/g, (char) => encodeURIComponent(char))})`
      }
      out.push(text)
    }
    if (node.content) markdownInline(node.content, out)
  }
}

const inlineMarkdown = (nodes: PmNode[]): string => {
  const out: string[] = []
  markdownInline(nodes, out)
  return out.join('')
}

/**
 * Where Markdown lines go: the prefix of the block's next line (`first`, e.g. a list marker) and of
 * every line after it (`rest`, e.g. `> ` inside a quote). Containers pass longer prefixes down
 * instead of re-indenting their children's output, which would cost time per level.
 */
interface MarkdownSink {
  lines: string[]
  first: string
  rest: string
}

function emit(sink: MarkdownSink, text: string): void {
  for (const line of text.split('\n')) {
    sink.lines.push(sink.first + line)
    sink.first = sink.rest
  }
}

/** Blocks one after another; `loose` separates them with a blank (or `>`) line, lists keep items tight. */
function markdownBlocks(nodes: PmNode[], sink: MarkdownSink, loose: boolean): void {
  let written = false
  for (let i = 0; i < nodes.length; i++) {
    let block: PmNode = nodes[i]!
    if (isInline(block)) {
      // Text straight inside a container (no paragraph around it) still gets exported, as one.
      const run: PmNode[] = []
      for (; i < nodes.length && isInline(nodes[i]!); i++) run.push(nodes[i]!)
      i--
      block = { type: 'paragraph', content: run }
    }
    const before = sink.lines.length
    if (written && loose) sink.lines.push(sink.rest.trimEnd())
    const separated = sink.lines.length
    markdownBlock(block, sink)
    if (sink.lines.length > separated) written = true
    else sink.lines.length = before // The block wrote nothing: take its separator back.
  }
}

function markdownBlock(node: PmNode, sink: MarkdownSink): void {
  const content = node.content ?? []
  const nested = (first: string, rest: string, loose: boolean): boolean => {
    const child: MarkdownSink = { lines: sink.lines, first: sink.first + first, rest: sink.rest + rest }
    const before = sink.lines.length
    markdownBlocks(content, child, loose)
    if (sink.lines.length === before) return false
    sink.first = sink.rest
    return true
  }
  switch (node.type) {
    case 'heading':
      return emit(sink, `${'#'.repeat(headingLevel(node))} ${inlineMarkdown(content)}`)
    case 'paragraph':
      return emit(sink, inlineMarkdown(content))
    case 'code_block':
      emit(sink, '```')
      emit(sink, inlineMarkdown(content))
      return emit(sink, '```')
    case 'horizontal_rule':
      emit(sink, '---')
      return markdownBlocks(content, sink, true)
    case 'blockquote':
      nested('> ', '> ', true)
      return
    case 'bullet_list':
    case 'ordered_list':
      content.forEach((item, i) => {
        const marker = node.type === 'ordered_list' ? `${i + 1}. ` : '- '
        const child: MarkdownSink = { lines: sink.lines, first: sink.first + marker, rest: sink.rest + ' '.repeat(marker.length) }
        const before = sink.lines.length
        markdownBlocks(item.type === 'list_item' ? (item.content ?? []) : [item], child, false)
        if (sink.lines.length === before) emit(child, '')
        sink.first = sink.rest
      })
      return
    default:
      nested('', '', true)
  }
}

/** The document as Markdown. */
export function toMarkdown(node: PmNode): string {
  const sink: MarkdownSink = { lines: [], first: '', rest: '' }
  markdownBlocks(node.content ?? [], sink, true)
  return `${sink.lines.join('\n')}\n`
}

/** The document's text, one line per block. */
export function toText(node: PmNode): string {
  const lines: string[] = []
  let line: string[] = []
  const endLine = (): void => {
    if (line.length > 0) lines.push(line.join(''))
    line = []
  }
  const walk = (nodes: PmNode[]): void => {
    for (const child of nodes) {
      if (child.type === 'text') line.push(child.text ?? '')
      else if (child.type === 'hard_break') line.push('\n')
      else endLine()
      walk(child.content ?? [])
      if (!isInline(child)) endLine()
    }
  }
  walk(node.content ?? [])
  endLine()
  return `${lines.join('\n')}\n`
}

/** `doc` in `format`, with its content type. */
export function exportDocument(doc: Y.Doc, format: ExportFormat): { body: string; contentType: string } {
  const json = toProseMirrorJson(doc)
  switch (format) {
    case 'json':
      return { body: JSON.stringify(json, null, 2), contentType: 'application/json; charset=utf-8' }
    case 'html':
      return { body: toHtml(json), contentType: 'text/html; charset=utf-8' }
    case 'markdown':
      return { body: toMarkdown(json), contentType: 'text/markdown; charset=utf-8' }
    case 'text':
      return { body: toText(json), contentType: 'text/plain; charset=utf-8' }
  }
}

/**
 * Exports a document as ProseMirror JSON, HTML, Markdown or plain text. Reads the `prosemirror`
 * XML fragment the editor binds with y-prosemirror: elements are nodes (`paragraph`, `heading` with
 * `level`, `bullet_list`, `code_block`...), text carries marks as attributes (`strong`, `em`, `code`,
 * `link` with `href`, `underline`, `strike`). The JSON is what is stored; the other formats come
 * from `@tandem/document` (the editor's own exports), after its reader has made the JSON a valid
 * document of the schema, keeping every piece of text.
 *
 * Every exporter is total. A document is whatever its editors' clients wrote, schema or not: node
 * names may be `__proto__`, a heading `level` may be `{}` or `1e9`, attributes may be binary or
 * shared types, elements may nest thousands deep. Attributes are reduced to plain JSON, lookups
 * never reach `Object.prototype`, and nesting beyond {@link MAX_EXPORT_DEPTH} is flattened into its
 * text, which keeps the recursive readers and writers well inside the stack.
 */
import { DOCUMENT_FRAGMENT, EXPORT_FILE_EXTENSIONS, exportAs, type PmNode, readDocument } from '@tandem/document'
import type { EXPORT_FORMATS } from '@tandem/protocol'
import * as Y from 'yjs'

import { withCommentNotes } from './comment-notes.js'

/**
 * Deepest element nesting exported with its structure; below it, an element's subtree becomes its
 * text. Real documents stay far shallower (a list level is two elements); the cap keeps the
 * recursive writers well inside the stack.
 */
export const MAX_EXPORT_DEPTH = 64

/** Deepest nesting kept inside one attribute value; deeper parts are dropped. */
const MAX_ATTR_DEPTH = 16

/** Export formats. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** The document of `doc` as ProseMirror JSON (`{ type: 'doc', content }`), with plain-JSON attributes. */
export function toProseMirrorJson(doc: Y.Doc): PmNode {
  return { type: 'doc', content: childrenOf(doc.getXmlFragment(DOCUMENT_FRAGMENT), 1) }
}

/** One item of the document's fragment (a block) as ProseMirror JSON: none, one node, or text nodes. */
export function blockJson(item: unknown): PmNode[] {
  return nodesOf(item, 1)
}

function childrenOf(parent: Y.XmlFragment | Y.XmlElement, depth: number): PmNode[] {
  const nodes: PmNode[] = []
  for (const child of parent.toArray()) nodes.push(...nodesOf(child, depth))
  return nodes
}

function nodesOf(item: unknown, depth: number): PmNode[] {
  if (item instanceof Y.XmlText) return textNodes(item)
  // Anything else in an element's list (raw values, hooks) is not ProseMirror content.
  if (!(item instanceof Y.XmlElement)) return []
  const child = item as Y.XmlElement
  // An attribute named `__proto__` becomes the prototype of what getAttributes builds; the rest still counts.
  const attrs = plainRecord(child.getAttributes(), 0, true)
  let content: PmNode[]
  if (depth < MAX_EXPORT_DEPTH) content = childrenOf(child, depth + 1)
  else {
    const text = subtreeText(child)
    content = text ? [{ type: 'text', text }] : []
  }
  return [
    {
      type: child.nodeName,
      ...(attrs && Object.keys(attrs).length > 0 ? { attrs } : {}),
      ...(content.length > 0 ? { content } : {}),
    },
  ]
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
      const text = textNodes(node)
        .map((n) => n.text)
        .join('')
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

/**
 * `doc` in `format`, with its content type: the raw JSON as read, or the HTML page (titled `title`),
 * Markdown and plain text of `@tandem/document`, made from the document read into the schema.
 */
export function exportDocument(doc: Y.Doc, format: ExportFormat, title: string): { body: string; contentType: string; extension: string } {
  const json = toProseMirrorJson(doc)
  if (format === 'json') {
    return { body: JSON.stringify(json, null, 2), contentType: 'application/json; charset=utf-8', extension: EXPORT_FILE_EXTENSIONS.json }
  }
  const exported = exportAs(readDocument(json), format, title)
  // Comment threads ride along as notes at the end.
  return { ...exported, body: withCommentNotes(doc, format, exported.body) }
}

/**
 * Documents made from outside text: Markdown, plain text, or ProseMirror JSON (what the editor
 * makes of a pasted or imported HTML or Word file). Whatever comes in leaves as a valid node of
 * the schema: unknown nodes and marks give way to their text (the reader's rules), raw HTML in
 * Markdown stays text, and links whose target is not a web, mail or phone address lose the link
 * (their text stays), so nothing imported can run in a reader's page.
 */
import { Fragment, type Node } from 'prosemirror-model'

import type { PmNode } from './pm-json.js'
import { readDocument } from './read-document.js'
import { safeHref } from './safe-href.js'
import { schema } from './schema.js'
import { markdownParser } from './to-markdown.js'

/** The formats a document can be made from. */
export type ImportFormat = 'markdown' | 'text' | 'json'

/** `node` with every link mark whose href is not a safe target removed. */
function withSafeLinks(node: Node): Node {
  if (node.isText) {
    const kept = node.marks.filter((mark) => mark.type.name !== 'link' || safeHref(String(mark.attrs.href)) !== null)
    return kept.length === node.marks.length ? node : node.mark(kept)
  }
  if (node.childCount === 0) return node
  const children: Node[] = []
  node.forEach((child) => children.push(withSafeLinks(child)))
  return node.copy(Fragment.from(children))
}

/** A document of one paragraph per line of `text` (a blank line is an empty paragraph). */
function documentFromText(text: string): Node {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n')
  const paragraph = schema.nodes.paragraph!
  return schema.nodes.doc!.create(
    null,
    lines.map((line) => paragraph.create(null, line === '' ? null : schema.text(line))),
  )
}

/**
 * The document `source` holds, read as `format`. JSON must already be bounded in depth by the
 * caller (the reader recurses along it).
 * @example
 * importDocument('markdown', '# Plan\n\n- [ ] ship it')
 */
export function importDocument(format: 'markdown' | 'text', source: string): Node
export function importDocument(format: 'json', source: PmNode): Node
export function importDocument(format: ImportFormat, source: string | PmNode): Node {
  let doc: Node
  if (format === 'json') doc = readDocument(source as PmNode)
  else if (format === 'text') doc = documentFromText(source as string)
  // Read again: only this server's images stay images (another site's keep their description).
  else doc = readDocument(markdownParser.parse(source as string).toJSON() as PmNode)
  return withSafeLinks(doc)
}

/** How many nodes `doc` holds, itself and text nodes included. */
export function nodeCount(doc: Node): number {
  let count = 1
  doc.descendants(() => {
    count++
  })
  return count
}

/**
 * The document model every editor of a room shares. y-prosemirror stores the document as this
 * schema's node and mark names, so renaming one breaks existing documents: add, never rename.
 */
import { type MarkSpec, type NodeSpec, Schema } from 'prosemirror-model'
import { marks as basicMarks, nodes as basicNodes } from 'prosemirror-schema-basic'
import { bulletList, listItem, orderedList } from 'prosemirror-schema-list'

import { safeHref } from './safe-href.js'

/** The Yjs XML fragment every Tandem editor binds its document to (y-prosemirror). */
export const DOCUMENT_FRAGMENT = 'prosemirror'

/** Heading levels the editor offers; deeper headings pasted in become level 3. */
export const HEADING_LEVELS = [1, 2, 3] as const

/** One of {@link HEADING_LEVELS}. */
export type HeadingLevel = (typeof HEADING_LEVELS)[number]

const heading: NodeSpec = {
  attrs: { level: { default: 1, validate: 'number' } },
  content: 'inline*',
  group: 'block',
  defining: true,
  parseDOM: [1, 2, 3, 4, 5, 6].map((level) => ({ tag: `h${level}`, attrs: { level: Math.min(level, 3) } })),
  toDOM: (node) => [`h${node.attrs.level as number}`, 0],
}

const link: MarkSpec = {
  attrs: { href: { validate: 'string' }, title: { default: null, validate: 'string|null' } },
  inclusive: false,
  parseDOM: [{ tag: 'a[href]', getAttrs: (dom) => ({ href: dom.getAttribute('href'), title: dom.getAttribute('title') }) }],
  toDOM: (mark) => {
    const href = safeHref(mark.attrs.href as string)
    const title = mark.attrs.title as string | null
    return ['a', { ...(href ? { href } : {}), ...(title ? { title } : {}), rel: 'noopener noreferrer nofollow' }, 0]
  },
}

const nodes: Record<string, NodeSpec> = {
  doc: basicNodes.doc,
  paragraph: basicNodes.paragraph,
  heading,
  blockquote: { ...basicNodes.blockquote, content: 'block+' },
  code_block: basicNodes.code_block,
  horizontal_rule: basicNodes.horizontal_rule,
  bullet_list: { ...bulletList, content: 'list_item+', group: 'block' },
  ordered_list: { ...orderedList, content: 'list_item+', group: 'block' },
  list_item: { ...listItem, content: 'paragraph block*' },
  text: basicNodes.text,
  hard_break: basicNodes.hard_break,
}

const marks: Record<string, MarkSpec> = {
  link,
  strong: basicMarks.strong,
  em: basicMarks.em,
  underline: {
    parseDOM: [{ tag: 'u' }, { style: 'text-decoration=underline' }],
    toDOM: () => ['u', 0],
  },
  strike: {
    parseDOM: [{ tag: 's' }, { tag: 'del' }, { tag: 'strike' }, { style: 'text-decoration=line-through' }],
    toDOM: () => ['s', 0],
  },
  code: basicMarks.code,
}

/** The Tandem document schema: rich text with headings 1-3, lists, quotes, code and links. */
export const schema = new Schema({ nodes, marks })

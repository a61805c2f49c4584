/**
 * The document model every editor of a room shares. y-prosemirror stores the document as this
 * schema's node and mark names, so renaming one breaks existing documents: add, never rename.
 */
import { type MarkSpec, type NodeSpec, Schema } from 'prosemirror-model'
import { marks as basicMarks, nodes as basicNodes } from 'prosemirror-schema-basic'
import { bulletList, listItem, orderedList } from 'prosemirror-schema-list'
import { tableNodes } from 'prosemirror-tables'

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

/**
 * A checklist: items with a checkbox. Reads GitHub's and Tandem's own HTML (`ul.contains-task-list`,
 * `ul[data-type=task_list]`) before plain lists do.
 */
const taskList: NodeSpec = {
  content: 'task_item+',
  group: 'block',
  parseDOM: [
    { tag: 'ul[data-type="task_list"]', priority: 60 },
    { tag: 'ul.contains-task-list', priority: 60 },
  ],
  toDOM: () => ['ul', { 'data-type': 'task_list', class: 'task-list' }, 0],
}

/** Whether an `<li>` of pasted HTML is a checklist item ticked. */
function checkedIn(dom: HTMLElement): boolean {
  const attribute = dom.getAttribute('data-checked')
  if (attribute !== null) return attribute === 'true'
  return dom.querySelector(':scope > input[type="checkbox"]')?.hasAttribute('checked') ?? false
}

const taskItem: NodeSpec = {
  attrs: { checked: { default: false, validate: 'boolean' } },
  content: 'paragraph block*',
  defining: true,
  parseDOM: [
    { tag: 'li[data-checked]', priority: 60, getAttrs: (dom) => ({ checked: checkedIn(dom) }) },
    { tag: 'li.task-list-item', priority: 60, getAttrs: (dom) => ({ checked: checkedIn(dom) }) },
  ],
  toDOM: (node) => ['li', { 'data-checked': String(node.attrs.checked as boolean), class: 'task-item' }, 0],
}

/** Tables (prosemirror-tables): rows of cells holding blocks; header cells are their own node. */
const tables = tableNodes({
  tableGroup: 'block',
  cellContent: 'block+',
  cellAttributes: {},
})

/**
 * Where Tandem serves a document's uploaded images. Only these are images in a document: a picture
 * from another site would load from there for every reader (tracking them), so pasted or imported
 * references elsewhere are not kept as images.
 */
export const IMAGE_SRC = /^\/api\/rooms\/[A-Za-z0-9._-]{1,128}\/images\/[\w-]{1,64}$/

/** An image uploaded into the document, inline in its text, with a text alternative. */
const image: NodeSpec = {
  inline: true,
  group: 'inline',
  draggable: true,
  attrs: {
    src: { validate: 'string' },
    alt: { default: '', validate: 'string' },
    title: { default: null, validate: 'string|null' },
  },
  parseDOM: [
    {
      tag: 'img[src]',
      getAttrs: (dom) => {
        const src = dom.getAttribute('src') ?? ''
        return IMAGE_SRC.test(src) ? { src, alt: dom.getAttribute('alt') ?? '', title: dom.getAttribute('title') } : false
      },
    },
  ],
  toDOM: (node) => {
    const src = node.attrs.src as string
    const title = node.attrs.title as string | null
    return ['img', { ...(IMAGE_SRC.test(src) ? { src } : {}), alt: node.attrs.alt as string, ...(title ? { title } : {}) }]
  },
}

const codeBlock: NodeSpec = {
  ...basicNodes.code_block,
  /** The language named after an opening fence (```js), for highlighting; empty when none. */
  attrs: { language: { default: '', validate: 'string' } },
  parseDOM: [
    {
      tag: 'pre',
      preserveWhitespace: 'full',
      getAttrs: (dom) => ({ language: /language-([\w+#-]+)/.exec(dom.querySelector('code')?.className ?? '')?.[1] ?? '' }),
    },
  ],
  toDOM: (node) => {
    const language = node.attrs.language as string
    return ['pre', language ? { 'data-language': language } : {}, ['code', language ? { class: `language-${language}` } : {}, 0]]
  },
}

const nodes: Record<string, NodeSpec> = {
  doc: basicNodes.doc,
  paragraph: basicNodes.paragraph,
  heading,
  blockquote: { ...basicNodes.blockquote, content: 'block+' },
  code_block: codeBlock,
  horizontal_rule: basicNodes.horizontal_rule,
  bullet_list: { ...bulletList, content: 'list_item+', group: 'block' },
  ordered_list: { ...orderedList, content: 'list_item+', group: 'block' },
  list_item: { ...listItem, content: 'paragraph block*' },
  task_list: taskList,
  task_item: taskItem,
  table: tables.table,
  table_row: tables.table_row,
  table_cell: tables.table_cell,
  table_header: tables.table_header,
  text: basicNodes.text,
  hard_break: basicNodes.hard_break,
  image,
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

/** The Tandem document schema: rich text with headings 1-3, lists, checklists, tables, quotes, code and links. */
export const schema = new Schema({ nodes, marks })

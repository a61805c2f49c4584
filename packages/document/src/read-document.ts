/**
 * A stored document, read into a node of the Tandem schema whatever it holds.
 *
 * A document is whatever its editors' clients wrote, schema or not: unknown node and mark names
 * (`__proto__` included), a heading level of `{}`, text straight inside a list, a list item that
 * starts with a heading. Exports run on schema nodes, so this reader makes one that is always valid
 * and keeps every piece of text: unknown nodes give way to their content, containers whose content
 * does not fit are rebuilt from their children's text, and inline content found where blocks belong
 * is gathered into paragraphs. Recursion follows the JSON's depth, which the caller bounds.
 */
import type { Mark, Node, NodeType } from 'prosemirror-model'

import type { PmNode } from './pm-json.js'
import { IMAGE_SRC, schema } from './schema.js'

const { nodes, marks } = schema

/** Mark names other editors use for the same thing. */
const MARK_ALIASES = new Map([
  ['bold', 'strong'],
  ['italic', 'em'],
])

/** The document `json` (`{ type: 'doc', content }`) as a valid node of the Tandem schema. */
export function readDocument(json: PmNode): Node {
  return nodes.doc!.createAndFill(null, readBlocks(json.content ?? [])) ?? nodes.doc!.createAndFill()!
}

/** A heading's level, 1 to 6, from whatever `attrs.level` holds. */
function headingLevel(attrs: Record<string, unknown> | undefined): number {
  const level = attrs?.level
  const number = typeof level === 'number' ? level : typeof level === 'string' ? Number(level) : Number.NaN
  return Number.isFinite(number) ? Math.min(6, Math.max(1, Math.trunc(number))) : 1
}

const isInline = (node: PmNode): boolean => node.type === 'text' || node.type === 'hard_break' || node.type === 'image'

function readBlocks(children: PmNode[]): Node[] {
  const blocks: Node[] = []
  for (let i = 0; i < children.length; i++) {
    if (isInline(children[i]!)) {
      // Text straight inside a container (no paragraph around it) becomes a paragraph of its own.
      const run: PmNode[] = []
      for (; i < children.length && isInline(children[i]!); i++) run.push(children[i]!)
      i--
      blocks.push(nodes.paragraph!.create(null, readInline(run)))
    } else blocks.push(...readBlock(children[i]!))
  }
  return blocks
}

function readBlock(json: PmNode): Node[] {
  const content = json.content ?? []
  switch (json.type) {
    case 'paragraph':
      return [nodes.paragraph!.create(null, readInline(content))]
    case 'heading':
      return [nodes.heading!.create({ level: headingLevel(json.attrs) }, readInline(content))]
    case 'code_block': {
      const text = plainText(content)
      const language = typeof json.attrs?.language === 'string' ? json.attrs.language.slice(0, 40) : ''
      return [nodes.code_block!.create({ language }, text ? schema.text(text) : null)]
    }
    case 'task_list':
      return container(nodes.task_list!, null, content.map(readTaskItem))
    case 'task_item':
      // An item outside a checklist: its content.
      return readBlocks(content)
    case 'table':
      return readTable(content)
    case 'table_row':
    case 'table_cell':
    case 'table_header':
      // Table parts outside a table: their content.
      return readBlocks(content)
    case 'horizontal_rule':
      // A rule has no content; whatever a client put inside it follows it.
      return [nodes.horizontal_rule!.create(), ...readBlocks(content)]
    case 'blockquote':
      return container(nodes.blockquote!, null, readBlocks(content))
    case 'bullet_list':
    case 'ordered_list': {
      const order = json.attrs?.order
      const attrs = json.type === 'ordered_list' ? { order: Number.isSafeInteger(order) && (order as number) >= 0 ? order : 1 } : null
      return container(nodes[json.type]!, attrs, content.map(readListItem))
    }
    case 'list_item':
      // An item outside a list: its content.
      return readBlocks(content)
    default:
      return readBlocks(content)
  }
}

function readListItem(json: PmNode): Node {
  const blocks = readBlocks(json.type === 'list_item' ? (json.content ?? []) : [json])
  // An item starts with a paragraph; one that starts otherwise gets an empty one before.
  if (blocks[0]?.type !== nodes.paragraph) blocks.unshift(nodes.paragraph!.create())
  return container(nodes.list_item!, null, blocks)[0]!
}

function readTaskItem(json: PmNode): Node {
  const blocks = readBlocks(json.type === 'task_item' || json.type === 'list_item' ? (json.content ?? []) : [json])
  if (blocks[0]?.type !== nodes.paragraph) blocks.unshift(nodes.paragraph!.create())
  const checked = json.type === 'task_item' && json.attrs?.checked === true
  return container(nodes.task_item!, { checked }, blocks)[0]!
}

/**
 * A table from whatever a client wrote: rows of cells (header cells stay headers), each cell's
 * content read as blocks; anything that is not a row becomes a row of one cell. Rows are padded
 * with empty cells to the widest, so the table is rectangular as the editor expects.
 */
function readTable(children: PmNode[]): Node[] {
  const rows: Node[][] = []
  for (const child of children) {
    const cells = child.type === 'table_row' ? (child.content ?? []) : [child]
    rows.push(
      cells.map((cell) => {
        const type = cell.type === 'table_header' ? nodes.table_header! : nodes.table_cell!
        const blocks = readBlocks(cell.type === 'table_cell' || cell.type === 'table_header' ? (cell.content ?? []) : [cell])
        return container(type, null, blocks)[0]!
      }),
    )
  }
  const width = Math.max(0, ...rows.map((row) => row.length))
  if (width === 0) return []
  const filled = rows.map((row) => {
    while (row.length < width) row.push(nodes.table_cell!.createAndFill()!)
    return nodes.table_row!.create(null, row)
  })
  return [nodes.table!.create(null, filled)]
}

/**
 * `type` holding `children`, filled where it needs more. When the children do not fit (a list item
 * holding a list item), each becomes a paragraph of its text; if even that does not fit, the
 * children stand on their own.
 */
function container(type: NodeType, attrs: Record<string, unknown> | null, children: Node[]): Node[] {
  const node = type.createAndFill(attrs, children)
  if (node) return [node]
  const asText = children.map((child) =>
    child.type === nodes.paragraph ? child : nodes.paragraph!.create(null, child.textContent ? schema.text(child.textContent) : null),
  )
  const rebuilt = type.createAndFill(attrs, asText)
  return rebuilt ? [rebuilt] : children
}

/** Inline content: text with the marks the schema knows, line breaks, and the text of anything else. */
function readInline(children: PmNode[]): Node[] {
  const inline: Node[] = []
  const walk = (list: PmNode[]): void => {
    for (const child of list) {
      if (child.type === 'text' && typeof child.text === 'string') {
        if (child.text === '') continue
        // A newline in a paragraph's text (the editor writes a break node instead) is a line break.
        const marks = readMarks(child.marks)
        child.text.split('\n').forEach((line, i) => {
          if (i > 0) inline.push(nodes.hard_break!.create())
          if (line !== '') inline.push(schema.text(line, marks))
        })
      } else if (child.type === 'hard_break') {
        inline.push(nodes.hard_break!.create())
        // A break has no content; whatever a client put inside it follows it.
        walk(child.content ?? [])
      } else if (child.type === 'image') {
        const { src, alt, title } = child.attrs ?? {}
        const altText = typeof alt === 'string' ? alt.slice(0, 1000) : ''
        // Only images this server holds are images; another site's picture keeps its description.
        if (typeof src === 'string' && IMAGE_SRC.test(src)) {
          inline.push(nodes.image!.create({ src, alt: altText, title: typeof title === 'string' ? title.slice(0, 1000) : null }))
        } else if (altText) inline.push(schema.text(altText))
        // An image has no content; whatever a client put inside it follows it.
        walk(child.content ?? [])
      } else walk(child.content ?? [])
    }
  }
  walk(children)
  return inline
}

function readMarks(list: PmNode['marks']): readonly Mark[] {
  let set: readonly Mark[] = []
  for (const mark of list ?? []) {
    const name = MARK_ALIASES.get(mark.type) ?? mark.type
    if (!Object.hasOwn(marks, name)) continue
    if (name === 'link') {
      const { href, title } = mark.attrs ?? {}
      if (typeof href !== 'string') continue
      set = marks.link!.create({ href, title: typeof title === 'string' ? title : null }).addToSet(set)
    } else set = marks[name]!.create().addToSet(set)
  }
  return set
}

/** The text of `children` and everything below them, line breaks as newlines. */
function plainText(children: PmNode[]): string {
  let text = ''
  const walk = (list: PmNode[]): void => {
    for (const child of list) {
      if (child.type === 'text' && typeof child.text === 'string') text += child.text
      else {
        if (child.type === 'hard_break') text += '\n'
        walk(child.content ?? [])
      }
    }
  }
  walk(children)
  return text
}

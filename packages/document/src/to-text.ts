/**
 * The document as plain text that keeps its shape: a blank line between blocks, list markers
 * ("- ", "1. ") with nested items indented, quotes prefixed with "> ", a link's target after its
 * text, and code as it is. Built on prosemirror-markdown's block writer with escaping turned off.
 */
import { MarkdownSerializer } from 'prosemirror-markdown'
import type { Mark, Node } from 'prosemirror-model'

import { serializeLinear } from './linear-serializer-state.js'
import { safeHref } from './safe-href.js'

/** Text a link shows and where it goes; the target is only added when the text does not say it. */
function linkTarget(mark: Mark, parent: Node, index: number): string {
  // A target the editor would not follow (`javascript:`) is left out.
  const href = safeHref(String(mark.attrs.href))
  if (href === null) return ''
  let text = ''
  for (let i = index - 1; i >= 0 && parent.child(i).marks.some((m) => m.eq(mark)); i--) text = parent.child(i).text + text
  return text === href || `https://${text}` === href || `mailto:${text}` === href ? '' : ` (${href})`
}

const none = { open: '', close: '' }

const serializer = new MarkdownSerializer(
  {
    blockquote: (state, node) => state.wrapBlock('> ', null, node, () => state.renderContent(node)),
    code_block: (state, node) => {
      state.text(node.textContent, false)
      state.closeBlock(node)
    },
    heading: (state, node) => {
      state.renderInline(node, false)
      state.closeBlock(node)
    },
    horizontal_rule: (state, node) => {
      state.write('----------')
      state.closeBlock(node)
    },
    bullet_list: (state, node) => state.renderList(node, '  ', () => '- '),
    ordered_list: (state, node) => {
      const start = typeof node.attrs.order === 'number' ? node.attrs.order : 1
      const width = String(start + node.childCount - 1).length
      state.renderList(node, ' '.repeat(width + 2), (i) => `${String(start + i).padStart(width)}. `)
    },
    list_item: (state, node) => state.renderContent(node),
    task_list: (state, node) => state.renderList(node, '    ', (i) => (node.child(i).attrs.checked ? '[x] ' : '[ ] ')),
    task_item: (state, node) => state.renderContent(node),
    table: (state, node) => {
      // One line per row, cells apart by tabs (what spreadsheets read back as cells).
      node.forEach((row) => {
        const cells: string[] = []
        row.forEach((cell) => cells.push(cell.textContent.replace(/\s+/g, ' ').trim()))
        state.write(cells.join('\t'))
        state.ensureNewLine()
      })
      state.closeBlock(node)
    },
    paragraph: (state, node) => {
      state.renderInline(node, false)
      state.closeBlock(node)
    },
    hard_break: (state) => state.text('\n', false),
    image: (state, node) => state.text(`[image${node.attrs.alt ? `: ${node.attrs.alt as string}` : ''}]`, false),
    text: (state, node) => state.text(node.text ?? '', false),
  },
  {
    em: none,
    strong: none,
    code: none,
    strike: none,
    underline: none,
    link: { open: '', close: (_state, mark, parent, index) => linkTarget(mark, parent, index) },
  },
)

/** `doc` as plain text, ending with a newline. */
export function toText(doc: Node): string {
  const text = serializeLinear(serializer, doc, { tightLists: true })
  return text === '' ? '' : `${text}\n`
}

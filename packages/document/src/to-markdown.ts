/**
 * The document as CommonMark, by prosemirror-markdown's serializer, which escapes text so it reads
 * back as what it was: a paragraph "# not a heading" stays a paragraph, `*stars*` stay stars, and
 * `&amp;` stays five characters.
 * Strikethrough is GitHub's `~~`; underline has no Markdown and is written as `<u>` HTML, which
 * GitHub and most renderers show.
 */
import MarkdownIt from 'markdown-it'
import {
  defaultMarkdownParser,
  defaultMarkdownSerializer,
  MarkdownParser,
  MarkdownSerializer,
  type MarkdownSerializerState,
} from 'prosemirror-markdown'
import type { Node } from 'prosemirror-model'

import { serializeLinear } from './linear-serializer-state.js'
import { safeHref } from './safe-href.js'
import { schema } from './schema.js'

type MarkSerializerSpec = MarkdownSerializer['marks'][string]
type MarkOpen = Extract<MarkSerializerSpec['open'], (...args: never[]) => string>

const { nodes, marks } = defaultMarkdownSerializer

/**
 * Links with the targets the editor would follow (`safeHref`, which also completes `example.com` to
 * `https://example.com`); a `javascript:` link is written as its text alone.
 */
const safeLink: MarkSerializerSpec = {
  ...marks.link!,
  open: (state, mark, parent, index) => {
    const href = safeHref(String(mark.attrs.href))
    return href === null ? '' : (marks.link!.open as MarkOpen)(state, mark.type.create({ ...mark.attrs, href }), parent, index)
  },
  close: (state, mark, parent, index) => {
    const href = safeHref(String(mark.attrs.href))
    return href === null ? '' : (marks.link!.close as MarkOpen)(state, mark.type.create({ ...mark.attrs, href }), parent, index)
  },
}

/** States whose next text starts a line after a hard break. */
const afterBreak = new WeakSet<MarkdownSerializerState>()

/**
 * Text, escaped. prosemirror-markdown escapes line-start markers (`>`, `#`, `-`, `1.`) only at the
 * start of a block, but a line after a hard break (or a newline in the text, written as one) starts
 * a line too, and `> quoted` there would open a blockquote.
 */
function writeText(state: MarkdownSerializerState, node: Node): void {
  const escape = !(state as { inAutolink?: boolean }).inAutolink
  const lines = (node.text ?? '').split('\n')
  lines.forEach((line, i) => {
    if (i > 0) state.write('\\\n')
    if (i === 0 && !afterBreak.has(state)) state.text(line, escape)
    else state.write(escape ? state.esc(line, true) : line)
  })
  afterBreak.delete(state)
}

/**
 * A table as a GitHub table: the first row is the header (Markdown has no table without one), each
 * cell's blocks on one line, apart by `<br>`, with `|` escaped.
 */
function writeTable(state: MarkdownSerializerState, node: Node): void {
  const rows: string[][] = []
  node.forEach((row) => {
    const cells: string[] = []
    row.forEach((cell) => {
      const blocks: string[] = []
      cell.forEach((block) => blocks.push(toMarkdown(schema.nodes.doc!.create(null, block)).trim().replace(/\n+/g, ' ')))
      cells.push(blocks.join('<br>').replace(/\|/g, '\\|'))
    })
    rows.push(cells)
  })
  const width = Math.max(1, ...rows.map((row) => row.length))
  const line = (cells: string[]): string => `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`
  rows.forEach((cells, i) => {
    state.write(line(cells))
    state.ensureNewLine()
    if (i === 0) {
      state.write(`|${' --- |'.repeat(width)}`)
      state.ensureNewLine()
    }
  })
  state.closeBlock(node)
}

const serializer = new MarkdownSerializer(
  {
    blockquote: nodes.blockquote!,
    heading: nodes.heading!,
    horizontal_rule: nodes.horizontal_rule!,
    bullet_list: (state, node) => state.renderList(node, '  ', () => '- '),
    ordered_list: nodes.ordered_list!,
    list_item: nodes.list_item!,
    task_list: (state, node) => state.renderList(node, '  ', (i) => (node.child(i).attrs.checked ? '- [x] ' : '- [ ] ')),
    task_item: nodes.list_item!,
    table: writeTable,
    code_block: (state, node) => {
      // A fence longer than any run of backticks inside, carrying the language (```js).
      const language = /^[\w+#-]{1,40}$/.test(node.attrs.language as string) ? (node.attrs.language as string) : ''
      const longest = Math.max(2, ...(node.textContent.match(/`+/g) ?? []).map((run) => run.length))
      const fence = '`'.repeat(longest + 1)
      state.write(`${fence}${language}\n`)
      state.text(node.textContent, false)
      state.ensureNewLine()
      state.write(fence)
      state.closeBlock(node)
    },
    paragraph: nodes.paragraph!,
    hard_break: (state, node, parent, index) => {
      // A Markdown heading is one line: a break in it becomes a space.
      if (parent.type.name === 'heading') return state.write(' ')
      nodes.hard_break!(state, node, parent, index)
      afterBreak.add(state)
    },
    text: writeText,
    image: nodes.image!,
  },
  {
    em: marks.em!,
    strong: marks.strong!,
    link: safeLink,
    code: marks.code!,
    strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
    underline: { open: '<u>', close: '</u>', mixable: true, expelEnclosingWhitespace: true },
  },
  // `&amp;` typed as text must not come back as `&`, nor `<https://x>` as a link; and a line's first
  // character after up to three spaces (" > x", "1) x", "===") must not open a quote, a list or a
  // heading, which the serializer only checks at column 0. An extra backslash is always harmless.
  { escapeExtraCharacters: /[&<]|(?<=^\s*)[>#+=-]|(?<=^\s*\d{1,9})[.)](?=\s|$)/g },
)

/** `doc` as Markdown, ending with a newline. */
export function toMarkdown(doc: Node): string {
  const markdown = serializeLinear(serializer, doc, { tightLists: true })
  return markdown === '' ? '' : `${markdown}\n`
}

type Token = ReturnType<MarkdownIt['parse']>[number]

/** `[ ] ` or `[x] ` at the start of a list item's first line. */
const TASK_MARKER = /^\[([ xX])\]\s+/

/**
 * GitHub checklists: a bullet list whose every item starts with `[ ]` or `[x]` becomes a
 * `task_list` of `task_item`s (`checked` set), the markers taken out of the text. Runs on block
 * tokens, before inline parsing reads the items' text.
 */
function taskLists(tokens: Token[]): void {
  for (let open = 0; open < tokens.length; open++) {
    if (tokens[open]!.type !== 'bullet_list_open') continue
    const level = tokens[open]!.level
    const items: { open: Token; inline: Token | undefined }[] = []
    let close = open + 1
    for (; close < tokens.length && !(tokens[close]!.type === 'bullet_list_close' && tokens[close]!.level === level); close++) {
      const token = tokens[close]!
      if (token.type === 'list_item_open' && token.level === level + 1) {
        items.push({ open: token, inline: tokens[close + 2]?.type === 'inline' ? tokens[close + 2] : undefined })
      }
    }
    if (items.length === 0 || !items.every(({ inline }) => inline !== undefined && TASK_MARKER.test(inline.content))) continue
    tokens[open]!.type = 'task_list_open'
    tokens[close]!.type = 'task_list_close'
    for (const { open: item, inline } of items) {
      const checked = TASK_MARKER.exec(inline!.content)![1] !== ' '
      item.type = 'task_item_open'
      item.attrSet('checked', checked ? 'true' : 'false')
      inline!.content = inline!.content.replace(TASK_MARKER, '')
    }
    for (let i = open; i < close; i++) {
      const token = tokens[i]!
      if (token.type === 'list_item_close' && token.level === level + 1) token.type = 'task_item_close'
    }
  }
}

/** Table cells hold blocks in the schema: each cell's inline content gets a paragraph around it. */
function paragraphsInCells(tokens: Token[], TokenClass: new (type: string, tag: string, nesting: -1 | 0 | 1) => Token): void {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!
    if (token.type !== 'inline' || (tokens[i - 1]?.type !== 'th_open' && tokens[i - 1]?.type !== 'td_open')) continue
    const open = new TokenClass('paragraph_open', 'p', 1)
    const close = new TokenClass('paragraph_close', 'p', -1)
    open.block = close.block = true
    tokens.splice(i + 1, 0, close)
    tokens.splice(i, 0, open)
  }
}

/**
 * CommonMark with strikethrough, GitHub tables and checklists, nesting as deep as the exports write
 * (lists take two levels each).
 */
function markdownIt(): MarkdownIt {
  const parser = MarkdownIt('commonmark', { html: false }).enable(['strikethrough', 'table'])
  parser.core.ruler.after('block', 'task_lists', (state) => taskLists(state.tokens))
  parser.core.ruler.after('block', 'cell_paragraphs', (state) => paragraphsInCells(state.tokens, state.Token))
  // A runtime option the typings leave out; past it, markdown-it drops the deeper content silently.
  ;(parser.options as { maxNesting?: number }).maxNesting = 300
  return parser
}

/**
 * Markdown read into the Tandem schema: CommonMark plus `~~strikethrough~~`; HTML is kept as text,
 * and headings deeper than the editor's three become level 3.
 */
export const markdownParser = new MarkdownParser(schema, markdownIt(), {
  ...defaultMarkdownParser.tokens,
  heading: { block: 'heading', getAttrs: (token) => ({ level: Math.min(3, Number(token.tag.slice(1))) }) },
  bullet_list: { block: 'bullet_list' },
  s: { mark: 'strike' },
  // Kept as parsed here; importDocument reads the result again, which keeps only this server's images.
  image: {
    node: 'image',
    getAttrs: (token) => ({
      src: token.attrGet('src') ?? '',
      alt: token.children?.[0]?.content ?? '',
      title: token.attrGet('title') || null,
    }),
  },
  code_block: { block: 'code_block', noCloseToken: true },
  fence: {
    block: 'code_block',
    getAttrs: (token) => ({ language: (token.info.trim().split(/\s+/)[0] ?? '').slice(0, 40) }),
    noCloseToken: true,
  },
  task_list: { block: 'task_list' },
  task_item: { block: 'task_item', getAttrs: (token) => ({ checked: token.attrGet('checked') === 'true' }) },
  table: { block: 'table' },
  thead: { ignore: true },
  tbody: { ignore: true },
  tr: { block: 'table_row' },
  th: { block: 'table_header' },
  td: { block: 'table_cell' },
})

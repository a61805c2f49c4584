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

const serializer = new MarkdownSerializer(
  {
    blockquote: nodes.blockquote!,
    code_block: nodes.code_block!,
    heading: nodes.heading!,
    horizontal_rule: nodes.horizontal_rule!,
    bullet_list: (state, node) => state.renderList(node, '  ', () => '- '),
    ordered_list: nodes.ordered_list!,
    list_item: nodes.list_item!,
    paragraph: nodes.paragraph!,
    hard_break: (state, node, parent, index) => {
      // A Markdown heading is one line: a break in it becomes a space.
      if (parent.type.name === 'heading') return state.write(' ')
      nodes.hard_break!(state, node, parent, index)
      afterBreak.add(state)
    },
    text: writeText,
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

/** CommonMark with strikethrough, nesting as deep as the exports write (lists take two levels each). */
function markdownIt(): MarkdownIt {
  const parser = MarkdownIt('commonmark', { html: false }).enable('strikethrough')
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
  image: { ignore: true, noCloseToken: true },
})

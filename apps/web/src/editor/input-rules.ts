/**
 * Markdown-style shortcuts typed at the start of a line (`# `, `- `, `1. `, `> `, ```` ``` ````,
 * `---`) or around words (`**bold**`, `*italic*`, `` `code` ``, `~~strike~~`). Backspace right after
 * one undoes it (see the keymap), in case the markdown was meant literally.
 */
import { schema } from '@tandem/document'
import { InputRule, inputRules, textblockTypeInputRule, wrappingInputRule } from 'prosemirror-inputrules'
import type { MarkType } from 'prosemirror-model'
import type { Plugin } from 'prosemirror-state'
import { TextSelection } from 'prosemirror-state'

const { nodes, marks } = schema

/**
 * Apply `type` to the text between two delimiters once the closing one is typed. The pattern's
 * first group is the character before the opening delimiter (kept), the second the marked text.
 */
function markRule(pattern: RegExp, delimiter: string, type: MarkType): InputRule {
  return new InputRule(
    pattern,
    (state, match, start, end) => {
      const before = match[1] ?? ''
      const text = match[2] ?? ''
      const openFrom = start + before.length
      const textFrom = openFrom + delimiter.length
      const textTo = textFrom + text.length
      // `end` is where the last delimiter character would go: it is never inserted.
      const tr = state.tr.delete(textTo, end).delete(openFrom, textFrom)
      tr.addMark(openFrom, openFrom + text.length, type.create()).removeStoredMark(type)
      return tr
    },
    { inCodeMark: false },
  )
}

/** `---` on an empty line becomes a horizontal rule, with the cursor on a new line below it. */
const horizontalRuleRule = new InputRule(/^(?:---|___|\*\*\*)$/, (state, _match, start) => {
  const $start = state.doc.resolve(start)
  const paragraph = $start.parent
  if (paragraph.type !== nodes.paragraph || paragraph.content.size !== 2) return null
  const from = $start.before()
  const tr = state.tr.replaceWith(from, $start.after(), [nodes.horizontal_rule!.create(), nodes.paragraph.create()])
  return tr.setSelection(TextSelection.create(tr.doc, from + 2))
})

/** The input rules plugin for the Tandem schema. */
export function editorInputRules(): Plugin {
  return inputRules({
    rules: [
      textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading!, (match) => ({ level: match[1]!.length })),
      wrappingInputRule(/^\s*>\s$/, nodes.blockquote!),
      // `[ ] ` or `[] ` at the start of a line starts a checklist.
      wrappingInputRule(/^\s*\[ ?\]\s$/, nodes.task_list!),
      wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list!),
      wrappingInputRule(
        /^(\d+)\.\s$/,
        nodes.ordered_list!,
        (match) => ({ order: Number(match[1]) }),
        (match, node) => node.childCount + (node.attrs.order as number) === Number(match[1]),
      ),
      textblockTypeInputRule(/^```$/, nodes.code_block!),
      horizontalRuleRule,
      markRule(/(^|[^*])\*\*([^*\s](?:[^*]*[^*\s])?)\*\*$/, '**', marks.strong!),
      markRule(/(^|[^*])\*([^*\s](?:[^*]*[^*\s])?)\*$/, '*', marks.em!),
      markRule(/(^|[^_\w])_([^_\s](?:[^_]*[^_\s])?)_$/, '_', marks.em!),
      markRule(/(^|[^~])~~([^~\s](?:[^~]*[^~\s])?)~~$/, '~~', marks.strike!),
      markRule(/(^|[^`])`([^`]+)`$/, '`', marks.code!),
    ],
  })
}

/**
 * The editing commands behind the toolbar and the shortcuts. Each is a toggle: applied when the
 * selection lacks the format, removed when it has it, as people expect from a word processor.
 */
import { type HeadingLevel, safeHref, schema } from '@tandem/document'
import { lift, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands'
import type { Node, NodeType } from 'prosemirror-model'
import { liftListItem, wrapInList } from 'prosemirror-schema-list'
import { type Command, NodeSelection, TextSelection } from 'prosemirror-state'

import { innermostList, isBlockActive, isInside } from './format-state.js'

const { nodes, marks } = schema
const listTypes = [nodes.bullet_list!, nodes.ordered_list!]

/** Turn the current block into a heading of `level`, or back into a paragraph if it is one. */
export function toggleHeading(level: HeadingLevel): Command {
  return (state, dispatch) =>
    isBlockActive(state, nodes.heading!, { level })
      ? setBlockType(nodes.paragraph!)(state, dispatch)
      : setBlockType(nodes.heading!, { level })(state, dispatch)
}

/** Turn the current block into a paragraph. */
export const setParagraph: Command = setBlockType(nodes.paragraph!)

/** Turn the current block into a code block, or back into a paragraph. */
export const toggleCodeBlock: Command = (state, dispatch) =>
  isBlockActive(state, nodes.code_block!)
    ? setBlockType(nodes.paragraph!)(state, dispatch)
    : setBlockType(nodes.code_block!)(state, dispatch)

/** Wrap the selection in a list of `listType`, switch the list to that type, or unwrap it. */
export function toggleList(listType: NodeType): Command {
  return (state, dispatch) => {
    const current = innermostList(state, listTypes)
    if (current === listType) return liftListItem(nodes.list_item!)(state, dispatch)
    if (current) {
      // Switching bullets to numbers (or back) keeps the items: retype the enclosing list.
      const { $from } = state.selection
      for (let depth = $from.depth; depth > 0; depth--) {
        if ($from.node(depth).type !== current) continue
        if (dispatch) dispatch(state.tr.setNodeMarkup($from.before(depth), listType).scrollIntoView())
        return true
      }
    }
    return wrapInList(listType)(state, dispatch)
  }
}

/** Put the selected blocks in a quote, or take them out of it. */
export const toggleBlockquote: Command = (state, dispatch) =>
  isInside(state, nodes.blockquote!) ? lift(state, dispatch) : wrapIn(nodes.blockquote!)(state, dispatch)

/**
 * Insert a horizontal rule in place of the selection, and put the caret in the block after it. At
 * the end of the document there is none, and ProseMirror leaves the rule itself selected, so the
 * next keystroke would replace it: a new paragraph is added after it for the caret.
 */
export const insertHorizontalRule: Command = (state, dispatch) => {
  const tr = state.tr.replaceSelectionWith(nodes.horizontal_rule!.create())
  if (!tr.docChanged) return false
  const { selection } = tr
  if (selection instanceof NodeSelection && selection.node.type === nodes.horizontal_rule) {
    const after = selection.to
    if (!tr.doc.resolve(after).nodeAfter?.isTextblock) tr.insert(after, nodes.paragraph!.create())
    tr.setSelection(TextSelection.create(tr.doc, after + 1))
  }
  dispatch?.(tr.scrollIntoView())
  return true
}

/**
 * Enter on an empty last line of a code block leaves the block: that empty line goes and the caret
 * moves to a new paragraph after the block (a block left with nothing in it becomes the paragraph).
 * Anywhere else in a code block, Enter stays a newline.
 */
export const leaveCodeBlockOnEmptyLine: Command = (state, dispatch) => {
  const { $head, empty } = state.selection
  const block = $head.parent
  if (!empty || block.type !== nodes.code_block || $head.parentOffset !== block.content.size || !block.textContent.endsWith('\n'))
    return false
  if (dispatch) {
    const tr = state.tr
    if (block.textContent === '\n') {
      tr.delete($head.pos - 1, $head.pos).setBlockType($head.pos - 1, $head.pos - 1, nodes.paragraph!)
    } else {
      tr.delete($head.pos - 1, $head.pos)
      const after = tr.mapping.map($head.after())
      tr.insert(after, nodes.paragraph!.create()).setSelection(TextSelection.create(tr.doc, after + 1))
    }
    dispatch(tr.scrollIntoView())
  }
  return true
}

/** Link the selected text to `href`; refuses empty selections and unsafe targets. */
export function setLink(href: string): Command {
  return (state, dispatch) => {
    const target = safeHref(href)
    if (!target || state.selection.empty) return false
    if (dispatch) {
      const { from, to } = state.selection
      dispatch(
        state.tr
          .removeMark(from, to, marks.link)
          .addMark(from, to, marks.link!.create({ href: target }))
          .scrollIntoView(),
      )
    }
    return true
  }
}

/** Remove links from the selection, or from the whole link around the cursor. */
export const removeLink: Command = (state, dispatch) => {
  const { $from, from, to, empty } = state.selection
  const link = marks.link!
  if (!empty) {
    if (!state.doc.rangeHasMark(from, to, link)) return false
    if (dispatch) dispatch(state.tr.removeMark(from, to, link))
    return true
  }
  const mark = link.isInSet($from.marks())
  if (!mark) return false
  // The link around the cursor is the run of adjacent text nodes carrying this same mark.
  const runs: [number, number][] = []
  $from.parent.forEach((child, offset) => {
    if (!mark.isInSet(child.marks)) return
    const last = runs.at(-1)
    if (last && last[1] === offset) last[1] = offset + child.nodeSize
    else runs.push([offset, offset + child.nodeSize])
  })
  const run = runs.find(([start, end]) => start <= $from.parentOffset && $from.parentOffset <= end)
  if (!run) return false
  if (dispatch) dispatch(state.tr.removeMark($from.start() + run[0], $from.start() + run[1], link))
  return true
}

/** Toggle bold. */
export const toggleStrong: Command = toggleMark(marks.strong!)
/** Toggle italic. */
export const toggleEm: Command = toggleMark(marks.em!)
/** Toggle underline. */
export const toggleUnderline: Command = toggleMark(marks.underline!)
/** Toggle strikethrough. */
export const toggleStrike: Command = toggleMark(marks.strike!)
/** Toggle inline code. */
export const toggleCode: Command = toggleMark(marks.code!)

/** Turn the selected blocks into a checklist, or a checklist back into paragraphs. */
export const toggleTaskList: Command = (state, dispatch) =>
  isInside(state, nodes.task_list!) ? liftListItem(nodes.task_item!)(state, dispatch) : wrapInList(nodes.task_list!)(state, dispatch)

/**
 * Insert a table of `rows` × `columns` (the first row headers) after the current block, with the
 * caret in its first cell. Not inside another table: the toolbar offers rows and columns there.
 */
export function insertTable(rows = 3, columns = 3): Command {
  return (state, dispatch) => {
    if (isInside(state, nodes.table!)) return false
    if (dispatch) {
      const cell = (type: NodeType): Node => type.createAndFill()!
      const row = (type: NodeType): Node =>
        nodes.table_row!.create(
          null,
          Array.from({ length: columns }, () => cell(type)),
        )
      const table = nodes.table!.create(null, [row(nodes.table_header!), ...Array.from({ length: rows - 1 }, () => row(nodes.table_cell!))])
      const { $from } = state.selection
      const empty = $from.parent.isTextblock && $from.parent.content.size === 0 && $from.depth > 0
      // An empty line is taken over by the table; otherwise it goes after the current block.
      const from = empty ? $from.before() : $from.depth === 0 ? $from.pos : $from.after(1)
      const to = empty ? $from.after() : from
      const tr = state.tr.replaceWith(from, to, [table, ...(empty ? [nodes.paragraph!.create()] : [])])
      dispatch(tr.setSelection(TextSelection.near(tr.doc.resolve(from + 4))).scrollIntoView())
    }
    return true
  }
}

/** Tick or untick the checklist item holding the caret (Ctrl+Enter: the keyboard's way to the checkbox). */
export const toggleTaskChecked: Command = (state, dispatch) => {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    const node = $from.node(depth)
    if (node.type !== nodes.task_item) continue
    if (dispatch) dispatch(state.tr.setNodeMarkup($from.before(depth), undefined, { ...node.attrs, checked: !node.attrs.checked }))
    return true
  }
  return false
}

/**
 * What formatting the selection has, read from the editor state. The toolbar shows it as pressed
 * buttons and the commands use it to decide between applying and removing a format.
 */
import type { Attrs, MarkType, NodeType } from 'prosemirror-model'
import type { EditorState } from 'prosemirror-state'

/** Whether new text typed now would get `type`, or all of the selected text has it. */
export function isMarkActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return type.isInSet(state.storedMarks ?? $from.marks()) !== undefined
  let everywhere = true
  let sawText = false
  state.doc.nodesBetween(from, to, (node) => {
    if (!node.isText) return true
    sawText = true
    if (!type.isInSet(node.marks)) everywhere = false
    return false
  })
  return sawText && everywhere
}

/** Whether the textblock around the selection start is of `type` (with `attrs`, when given). */
export function isBlockActive(state: EditorState, type: NodeType, attrs?: Attrs): boolean {
  const parent = state.selection.$from.parent
  if (parent.type !== type) return false
  return !attrs || Object.entries(attrs).every(([key, value]) => parent.attrs[key] === value)
}

/** Whether the selection sits inside a node of `type` (a list or a quote), at any depth. */
export function isInside(state: EditorState, type: NodeType): boolean {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type === type) return true
  }
  return false
}

/** The innermost list the selection is in, or `null`. */
export function innermostList(state: EditorState, listTypes: readonly NodeType[]): NodeType | null {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    const type = $from.node(depth).type
    if (listTypes.includes(type)) return type
  }
  return null
}

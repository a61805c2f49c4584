/**
 * What the formatting toolbar offers, in order and in groups: each button's label, shortcut, the
 * command it runs and how to tell whether its format is active at the selection.
 */
import { schema } from '@tandem/document'
import type { Command, EditorState } from 'prosemirror-state'
import { addColumnAfter, addRowAfter, deleteColumn, deleteRow, deleteTable } from 'prosemirror-tables'
import { redoCommand, undoCommand } from 'y-prosemirror'

import {
  insertHorizontalRule,
  insertTable,
  toggleBlockquote,
  toggleCode,
  toggleCodeBlock,
  toggleEm,
  toggleHeading,
  toggleList,
  toggleStrike,
  toggleStrong,
  toggleTaskList,
  toggleUnderline,
} from './commands.js'
import { SHORTCUTS } from './editor-keymap.js'
import { innermostList, isBlockActive, isInside, isMarkActive } from './format-state.js'

/** One toolbar button. */
export interface ToolbarItem {
  id: string
  /** Accessible name, also the tooltip. */
  label: string
  /** Either text drawn in the button (`B`) or the inner markup of a 24×24 SVG icon. */
  face: { text: string; className?: string } | { svg: string }
  shortcut?: string
  run: Command
  /** For toggles: whether the format is on at the selection (shown as pressed). */
  isActive?: (state: EditorState) => boolean
  /** Whether running it opens a form that takes focus (focus then stays there, not in the text). */
  opensForm?: boolean
  /** Shown only where it applies (table rows and columns inside a table), not merely disabled. */
  contextual?: boolean
}

const { nodes, marks } = schema
const lists = [nodes.bullet_list!, nodes.ordered_list!]

const icons = {
  undo: '<path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>',
  redo: '<path d="m15 14 5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>',
  link: '<path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71"/><path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71"/>',
  bulletList:
    '<path d="M9 6h11M9 12h11M9 18h11"/><circle cx="4.5" cy="6" r="1" fill="currentColor"/><circle cx="4.5" cy="12" r="1" fill="currentColor"/><circle cx="4.5" cy="18" r="1" fill="currentColor"/>',
  orderedList:
    '<path d="M10 6h10M10 12h10M10 18h10"/><path d="M4 4.5 5.5 4v4" stroke-width="1.5"/><path d="M3.8 14h2.4L4 17.5v.5h2.4" stroke-width="1.5"/>',
  blockquote: '<path d="M4 5v14" /><path d="M9 7h11M9 12h11M9 17h7"/>',
  codeBlock: '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="m9.5 10-2 2 2 2M14.5 10l2 2-2 2"/>',
  horizontalRule: '<path d="M3 12h18"/><path d="M7 7h10M7 17h10" opacity=".35"/>',
  taskList: '<rect x="3" y="4" width="5" height="5" rx="1"/><path d="m4 15 1.5 1.5L8 14"/><path d="M11 6.5h10M11 15.5h10"/>',
  table: '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 10h18M3 15h18M9 4v16M15 4v16"/>',
  addRow: '<rect x="3" y="4" width="18" height="9" rx="1.5"/><path d="M12 16v5M9.5 18.5h5"/>',
  addColumn: '<rect x="3" y="3" width="9" height="18" rx="1.5"/><path d="M15.5 12h5M18 9.5v5"/>',
  deleteRow: '<rect x="3" y="4" width="18" height="9" rx="1.5"/><path d="M9.5 18.5h5"/>',
  deleteColumn: '<rect x="3" y="3" width="9" height="18" rx="1.5"/><path d="M15.5 12h5"/>',
  deleteTable: '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="m9 9 6 6M15 9l-6 6"/>',
}

/** Toolbar groups, separated visually. */
export const TOOLBAR_GROUPS: ToolbarItem[][] = [
  [
    { id: 'undo', label: 'Undo', face: { svg: icons.undo }, shortcut: SHORTCUTS.undo, run: undoCommand },
    { id: 'redo', label: 'Redo', face: { svg: icons.redo }, shortcut: SHORTCUTS.redo, run: redoCommand },
  ],
  ([1, 2, 3] as const).map((level) => ({
    id: `heading${level}`,
    // The name holds what the button shows (H1), as WCAG 2.5.3 asks of a visible label.
    label: `Heading ${level}, H${level}`,
    face: { text: `H${level}`, className: 'face-heading' },
    shortcut: SHORTCUTS[`heading${level}`],
    run: toggleHeading(level),
    isActive: (state: EditorState) => isBlockActive(state, nodes.heading!, { level }),
  })),
  [
    {
      id: 'strong',
      label: 'Bold',
      face: { text: 'B', className: 'face-strong' },
      shortcut: SHORTCUTS.strong,
      run: toggleStrong,
      isActive: (state) => isMarkActive(state, marks.strong!),
    },
    {
      id: 'em',
      label: 'Italic',
      face: { text: 'I', className: 'face-em' },
      shortcut: SHORTCUTS.em,
      run: toggleEm,
      isActive: (state) => isMarkActive(state, marks.em!),
    },
    {
      id: 'underline',
      label: 'Underline',
      face: { text: 'U', className: 'face-underline' },
      shortcut: SHORTCUTS.underline,
      run: toggleUnderline,
      isActive: (state) => isMarkActive(state, marks.underline!),
    },
    {
      id: 'strike',
      label: 'Strikethrough',
      face: { text: 'S', className: 'face-strike' },
      shortcut: SHORTCUTS.strike,
      run: toggleStrike,
      isActive: (state) => isMarkActive(state, marks.strike!),
    },
    {
      id: 'code',
      label: 'Inline code',
      face: { text: '</>', className: 'face-code' },
      shortcut: SHORTCUTS.code,
      run: toggleCode,
      isActive: (state) => isMarkActive(state, marks.code!),
    },
  ],
  [
    {
      id: 'bulletList',
      label: 'Bulleted list',
      face: { svg: icons.bulletList },
      shortcut: SHORTCUTS.bulletList,
      run: toggleList(nodes.bullet_list!),
      isActive: (state) => innermostList(state, lists) === nodes.bullet_list,
    },
    {
      id: 'orderedList',
      label: 'Numbered list',
      face: { svg: icons.orderedList },
      shortcut: SHORTCUTS.orderedList,
      run: toggleList(nodes.ordered_list!),
      isActive: (state) => innermostList(state, lists) === nodes.ordered_list,
    },
    {
      id: 'blockquote',
      label: 'Quote',
      face: { svg: icons.blockquote },
      shortcut: SHORTCUTS.blockquote,
      run: toggleBlockquote,
      isActive: (state) => isInside(state, nodes.blockquote!),
    },
    {
      id: 'codeBlock',
      label: 'Code block',
      face: { svg: icons.codeBlock },
      shortcut: SHORTCUTS.codeBlock,
      run: toggleCodeBlock,
      isActive: (state) => isBlockActive(state, nodes.code_block!),
    },
    {
      id: 'horizontalRule',
      label: 'Divider',
      face: { svg: icons.horizontalRule },
      shortcut: SHORTCUTS.horizontalRule,
      run: insertHorizontalRule,
    },
  ],
  [
    {
      id: 'taskList',
      label: 'Checklist',
      face: { svg: icons.taskList },
      shortcut: SHORTCUTS.taskList,
      run: toggleTaskList,
      isActive: (state) => isInside(state, nodes.task_list!),
    },
    { id: 'table', label: 'Insert table', face: { svg: icons.table }, run: insertTable() },
    { id: 'addRow', label: 'Add row below', face: { svg: icons.addRow }, run: addRowAfter, contextual: true },
    { id: 'addColumn', label: 'Add column right', face: { svg: icons.addColumn }, run: addColumnAfter, contextual: true },
    { id: 'deleteRow', label: 'Delete row', face: { svg: icons.deleteRow }, run: deleteRow, contextual: true },
    { id: 'deleteColumn', label: 'Delete column', face: { svg: icons.deleteColumn }, run: deleteColumn, contextual: true },
    { id: 'deleteTable', label: 'Delete table', face: { svg: icons.deleteTable }, run: deleteTable, contextual: true },
  ],
]

/** The link button's icon; the link item is built by the toolbar, which owns the link form. */
export const LINK_ICON = icons.link

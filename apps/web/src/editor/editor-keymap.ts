/**
 * Keyboard shortcuts. `Mod` is Cmd on macOS and Ctrl elsewhere. Undo and redo are y-prosemirror's,
 * which only undo this person's own changes, never a collaborator's.
 */
import { schema } from '@tandem/document'
import { chainCommands, exitCode } from 'prosemirror-commands'
import { undoInputRule } from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import { liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import type { Command, Plugin } from 'prosemirror-state'
import { goToNextCell } from 'prosemirror-tables'
import { redoCommand, undoCommand } from 'y-prosemirror'

import {
  insertHorizontalRule,
  leaveCodeBlockOnEmptyLine,
  setParagraph,
  toggleBlockquote,
  toggleCode,
  toggleCodeBlock,
  toggleEm,
  toggleHeading,
  toggleList,
  toggleStrike,
  toggleStrong,
  toggleTaskChecked,
  toggleTaskList,
  toggleUnderline,
} from './commands.js'
import { describeSelectedImage } from './image-view.js'

const { nodes } = schema

/** Enter in a checklist item: a new, unticked item (splitting one keeps the first one's tick). */
const splitTaskItem: Command = splitListItem(nodes.task_item!, { checked: false })

const insertHardBreak: Command = (state, dispatch) => {
  dispatch?.(state.tr.replaceSelectionWith(nodes.hard_break!.create()).scrollIntoView())
  return true
}

/** Shortcut of each toolbar action, in prosemirror-keymap notation. */
export const SHORTCUTS = {
  undo: 'Mod-z',
  redo: 'Shift-Mod-z',
  paragraph: 'Mod-Alt-0',
  heading1: 'Mod-Alt-1',
  heading2: 'Mod-Alt-2',
  heading3: 'Mod-Alt-3',
  strong: 'Mod-b',
  em: 'Mod-i',
  underline: 'Mod-u',
  strike: 'Shift-Mod-x',
  code: 'Mod-e',
  link: 'Mod-k',
  bulletList: 'Shift-Mod-8',
  orderedList: 'Shift-Mod-7',
  blockquote: 'Shift-Mod-9',
  codeBlock: 'Mod-Alt-c',
  horizontalRule: 'Mod-Alt-minus',
  taskList: 'Mod-Alt-t',
} as const

/** The editor's keymap; `openLinkForm` runs on Mod-k. */
export function editorKeymap(openLinkForm: Command): Plugin {
  return keymap({
    [SHORTCUTS.undo]: undoCommand,
    [SHORTCUTS.redo]: redoCommand,
    'Mod-y': redoCommand,
    [SHORTCUTS.paragraph]: setParagraph,
    [SHORTCUTS.heading1]: toggleHeading(1),
    [SHORTCUTS.heading2]: toggleHeading(2),
    [SHORTCUTS.heading3]: toggleHeading(3),
    [SHORTCUTS.strong]: toggleStrong,
    [SHORTCUTS.em]: toggleEm,
    [SHORTCUTS.underline]: toggleUnderline,
    [SHORTCUTS.strike]: toggleStrike,
    [SHORTCUTS.code]: toggleCode,
    'Mod-`': toggleCode,
    [SHORTCUTS.link]: openLinkForm,
    [SHORTCUTS.bulletList]: toggleList(nodes.bullet_list!),
    [SHORTCUTS.orderedList]: toggleList(nodes.ordered_list!),
    [SHORTCUTS.blockquote]: toggleBlockquote,
    [SHORTCUTS.codeBlock]: toggleCodeBlock,
    [SHORTCUTS.taskList]: toggleTaskList,
    'Mod-Alt--': insertHorizontalRule,
    Enter: chainCommands(describeSelectedImage, leaveCodeBlockOnEmptyLine, splitListItem(nodes.list_item!), splitTaskItem),
    'Mod-[': chainCommands(liftListItem(nodes.list_item!), liftListItem(nodes.task_item!)),
    'Mod-]': chainCommands(sinkListItem(nodes.list_item!), sinkListItem(nodes.task_item!)),
    // In a table Tab moves between cells, as in every spreadsheet.
    Tab: chainCommands(goToNextCell(1), sinkListItem(nodes.list_item!), sinkListItem(nodes.task_item!)),
    'Shift-Tab': chainCommands(goToNextCell(-1), liftListItem(nodes.list_item!), liftListItem(nodes.task_item!)),
    'Shift-Enter': chainCommands(exitCode, insertHardBreak),
    'Mod-Enter': chainCommands(toggleTaskChecked, exitCode, insertHardBreak),
    Backspace: undoInputRule,
  })
}

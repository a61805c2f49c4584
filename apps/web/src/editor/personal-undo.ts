/**
 * The undo manager behind y-prosemirror's undo plugin: it tracks only this person's own changes, as
 * y-prosemirror's default does, and never leaves the document without a block.
 *
 * Why: undoing the first words typed into a new document also undoes the paragraph they created, so
 * the shared document becomes empty. The editor cannot show an empty document and fills in a
 * paragraph, which y-prosemirror then writes back to Yjs as a new change of this person's: that
 * change lands on the undo stack and, being new, clears the redo stack. The person sees an Undo
 * button that does nothing and has lost their redo. Keeping the last block avoids all of it.
 *
 * Steps are cut at words and blocks (`undo-steps.ts`); a pause cuts one only after
 * {@link PAUSE_CUTS_STEP_MS}. Yjs' default of 500 ms split a word typed with one slow keystroke (or
 * on a machine that stalled for a moment) into two steps, which no one expects of a word.
 */
import { defaultDeleteFilter, defaultProtectedNodes, ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

/** Whether undo may delete `item`: y-prosemirror's rule, except the document's last top-level block. */
function mayUndoDelete(item: Y.Item, fragment: Y.XmlFragment): boolean {
  if (!defaultDeleteFilter(item, defaultProtectedNodes)) return false
  // Deletions run children first, so by the time a block comes up its text is already gone.
  const isTopLevelBlock = item.parent === fragment && item.content instanceof Y.ContentType && item.content.type instanceof Y.XmlElement
  return !isTopLevelBlock || fragment.length > 1
}

/** A pause in typing this long ends the undo step even inside a word. */
export const PAUSE_CUTS_STEP_MS = 2000

/** An undo manager for `fragment`, the one y-prosemirror's sync plugin is bound to. */
export function createPersonalUndoManager(fragment: Y.XmlFragment): Y.UndoManager {
  return new Y.UndoManager(fragment, {
    captureTimeout: PAUSE_CUTS_STEP_MS,
    trackedOrigins: new Set([ySyncPluginKey]),
    deleteFilter: (item) => mayUndoDelete(item, fragment),
    captureTransaction: (transaction) => transaction.meta.get('addToHistory') !== false,
  })
}

/**
 * Where one undo step ends and the next begins.
 *
 * Yjs' undo manager merges every change made soon enough after the previous one, so three
 * paragraphs typed at an ordinary pace undo as one step. This plugin cuts steps the way Google Docs
 * does: each word typed is its own step (with the spaces after it), every block split (Enter) and
 * every other structural or formatting change stands alone, and a run of deletions is one step.
 * A long pause still cuts a step (`personal-undo.ts`).
 *
 * It must come before `ySyncPlugin`: plugin views update in order, and y-prosemirror writes each
 * ProseMirror change to Yjs in its view update, so the cut lands just before the change it belongs to.
 * Remote changes do not cut anything (others typing must not split this person's words); an undo or
 * redo does, so the next edit never merges into a step that was just undone or redone.
 */
import { Plugin, PluginKey, type Transaction } from 'prosemirror-state'
import { ReplaceStep } from 'prosemirror-transform'
import { ySyncPluginKey, yUndoPluginKey } from 'y-prosemirror'

/** What a change did, for grouping: typed text, deleted text, or anything else (which stands alone). */
export type EditKind = 'insert' | 'delete' | 'other'

/** The kind of the last local change, and whether the next one must start a new undo step. */
export interface UndoStepState {
  last: EditKind | null
  cut: boolean
}

const key = new PluginKey<UndoStepState>('tandem-undo-steps')

/** What a document-changing transaction did: `startsWord` when it types a word's first character. */
export function classifyEdit(tr: Transaction): { kind: EditKind; startsWord: boolean } {
  const other = { kind: 'other' as const, startsWord: false }
  if (tr.steps.length !== 1) return other
  const step = tr.steps[0]
  if (!(step instanceof ReplaceStep)) return other
  const { from, to, slice } = step
  const $from = tr.before.resolve(from)
  if (!$from.parent.isTextblock || to > $from.end()) return other
  if (slice.size === 0) return to > from ? { kind: 'delete', startsWord: false } : other
  if (slice.openStart !== 0 || slice.openEnd !== 0) return other
  let textOnly = true
  slice.content.forEach((node) => {
    if (!node.isText) textOnly = false
  })
  const typed = slice.content.textBetween(0, slice.content.size)
  // One typed character (or an autocorrected run replacing a selection) groups with its neighbours;
  // a longer insertion, such as a paste, is a step of its own.
  if (!textOnly || to > from || [...typed].length !== 1) return other
  const before = $from.parentOffset > 0 ? tr.before.textBetween(from - 1, from) : ''
  return { kind: 'insert', startsWord: /\S/u.test(typed) && (before === '' || /\s/u.test(before)) }
}

/** The state after `tr`, and whether its change must start a new undo step. */
export function nextUndoStep(state: UndoStepState, tr: Transaction): { state: UndoStepState; cutBefore: boolean } {
  const sync = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined
  if (!tr.docChanged) return { state: { ...state, cut: false }, cutBefore: false }
  if (sync?.isChangeOrigin) {
    // A collaborator's change leaves this person's grouping alone. An undo or redo ends it: Yjs would
    // otherwise merge an edit made right after an undo into the step below the one undone.
    return { state: { last: sync.isUndoRedoOperation ? 'other' : state.last, cut: false }, cutBefore: false }
  }
  const { kind, startsWord } = classifyEdit(tr)
  const cutBefore = state.last !== null && (kind === 'other' || state.last === 'other' || kind !== state.last || startsWord)
  return { state: { last: kind, cut: cutBefore }, cutBefore }
}

/** The plugin; add it before `ySyncPlugin` and with `yUndoPlugin`. */
export function undoStepsPlugin(): Plugin<UndoStepState> {
  return new Plugin<UndoStepState>({
    key,
    state: {
      init: () => ({ last: null, cut: false }),
      apply: (tr, value) => nextUndoStep(value, tr).state,
    },
    view: () => ({
      update(view) {
        if (!key.getState(view.state)?.cut) return
        const undo = yUndoPluginKey.getState(view.state) as { undoManager?: { stopCapturing(): void } } | undefined
        undo?.undoManager?.stopCapturing()
      },
    }),
  })
}

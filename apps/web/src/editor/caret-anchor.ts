/**
 * Keeps each person's caret after their own last character when someone else types at the same spot.
 *
 * y-prosemirror redraws the editor after every remote change and puts the selection back from Yjs
 * relative positions it took just before the change. It takes them with Yjs' default association:
 * a position sticks to the character on its *right*. When a remote insert lands exactly at the caret
 * (two people typing at the end of the same paragraph), it goes in before that right-hand character,
 * so the caret jumps past the remote text and the next keystroke lands after it: two words typed at
 * once interleave letter by letter ("alphaword" and "bravoterm" became "ablrpahvaowtoerrdm").
 *
 * This plugin replaces that selection with positions that stick to the character on the caret's
 * *left* (for a range, the edges stick to the selected text), just before y-prosemirror would take
 * its own: remote text then builds up beyond the caret and each person's words stay whole, as in
 * Google Docs and Etherpad. Only text positions change association; node selections, gap cursors and
 * positions between blocks are left as y-prosemirror takes them.
 */
import { type EditorState, Plugin, TextSelection } from 'prosemirror-state'
import { absolutePositionToRelativePosition, getRelativeSelection, ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

/** What this plugin needs of y-prosemirror's binding (the sync plugin's state holds it). */
interface SyncBinding {
  doc: Y.Doc
  type: Y.XmlFragment
  mapping: Map<Y.AbstractType<unknown>, unknown>
  prosemirrorView: unknown
  /** The selection y-prosemirror restores after a remote change; reset to null after every transaction. */
  beforeTransactionSelection: ReturnType<typeof getRelativeSelection> | null
}

/** Which character a position keeps to: Yjs' `assoc`, 0 (right, the default) or -1 (left). */
type Side = 0 | -1

/**
 * The plugin; add it before `ySyncPlugin` (it reads the sync plugin's state, which exists from the
 * start): its listener is then registered first, and y-prosemirror, finding a selection already
 * taken, does not take its own as well.
 */
export function caretAnchorPlugin(): Plugin {
  return new Plugin({
    view(view) {
      const binding = (ySyncPluginKey.getState(view.state) as { binding?: SyncBinding } | undefined)?.binding
      if (!binding) return {}
      // Runs as every Yjs transaction starts, remote or local, before any change is applied. Should it
      // run after y-prosemirror's own listener, this selection replaces the one that took.
      const takeSelection = (): void => {
        if (binding.prosemirrorView) binding.beforeTransactionSelection = anchoredSelection(binding, view.state)
      }
      binding.doc.on('beforeAllTransactions', takeSelection)
      return { destroy: () => binding.doc.off('beforeAllTransactions', takeSelection) }
    },
  })
}

/** The selection of `state` as Yjs relative positions that keep to the text the user is at. */
export function anchoredSelection(binding: SyncBinding, state: EditorState): ReturnType<typeof getRelativeSelection> {
  const { selection } = state
  if (!(selection instanceof TextSelection)) return getRelativeSelection(binding as never, state)
  // A caret keeps to the character before it; a range keeps to its first and last selected characters.
  const anchorSide: Side = selection.empty || selection.anchor > selection.head ? -1 : 0
  const headSide: Side = selection.empty || selection.head > selection.anchor ? -1 : 0
  return {
    type: (selection.toJSON() as { type: string }).type,
    anchor: relativePosition(binding, selection.anchor, anchorSide),
    head: relativePosition(binding, selection.head, headSide),
  }
}

/** `pos` as a relative position keeping to `side`, where `pos` is inside a text; else as y-prosemirror makes it. */
function relativePosition(binding: SyncBinding, pos: number, side: Side): Y.RelativePosition {
  const relative = absolutePositionToRelativePosition(pos, binding.type, binding.mapping as never) as Y.RelativePosition
  if (side === 0) return relative
  const absolute = Y.createAbsolutePositionFromRelativePosition(relative, binding.doc)
  if (!absolute || !(absolute.type instanceof Y.XmlText)) return relative
  return Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, side)
}

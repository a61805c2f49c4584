/**
 * Where comment threads sit in the editor: each unresolved thread's range, read from its Yjs relative
 * positions (so it follows everyone's edits), highlighted in the text; the active thread's more
 * strongly. Ranges are recomputed after every Yjs change, once y-prosemirror has updated its mapping
 * of Yjs items to ProseMirror positions, and mapped through ProseMirror steps in between.
 */
import { COMMENTS_MAP } from '@tandem/protocol'
import { Plugin, PluginKey, type Transaction } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView } from 'prosemirror-view'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

/** A thread's range in the editor. */
interface AnchorRange {
  from: number
  to: number
}

interface AnchorsState {
  ranges: Map<string, AnchorRange>
  active: string | null
  decorations: DecorationSet
}

type AnchorsMeta = { ranges: Map<string, AnchorRange> } | { active: string | null }

/** The plugin's key, to read its state. */
export const commentAnchorsKey = new PluginKey<AnchorsState>('comment-anchors')

/** y-prosemirror's binding of the editor to its Yjs fragment (its types are untyped JavaScript). */
interface Binding {
  type: Y.XmlFragment
  mapping: never
}

function bindingOf(view: EditorView): Binding | null {
  const state: unknown = ySyncPluginKey.getState(view.state)
  const binding = (state as { binding?: unknown } | undefined)?.binding
  return binding ? (binding as Binding) : null
}

/** Relative positions of `from`..`to` in `view`'s document, to store in a thread. */
export function relativeRange(view: EditorView, from: number, to: number): { start: Uint8Array; end: Uint8Array } | null {
  const binding = bindingOf(view)
  if (!binding) return null
  const start = absolutePositionToRelativePosition(from, binding.type, binding.mapping) as Y.RelativePosition
  const end = absolutePositionToRelativePosition(to, binding.type, binding.mapping) as Y.RelativePosition
  return { start: Y.encodeRelativePosition(start), end: Y.encodeRelativePosition(end) }
}

/** The ranges of the unresolved threads of `doc` in `view`, by thread id. */
function readRanges(view: EditorView, doc: Y.Doc): Map<string, AnchorRange> {
  const ranges = new Map<string, AnchorRange>()
  const binding = bindingOf(view)
  if (!binding) return ranges
  const size = view.state.doc.content.size
  // Every Yjs change, so only what anchors need is read: not the comments themselves.
  for (const [id, value] of doc.getMap<unknown>(COMMENTS_MAP).entries()) {
    if (!(value instanceof Y.Map)) continue
    const thread = value as Y.Map<unknown>
    const start = thread.get('start')
    const end = thread.get('end')
    if (thread.get('resolved') === true || !(thread.get('entries') instanceof Y.Array)) continue
    if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) continue
    try {
      const from = relativePositionToAbsolutePosition(doc, binding.type, Y.decodeRelativePosition(start), binding.mapping)
      const to = relativePositionToAbsolutePosition(doc, binding.type, Y.decodeRelativePosition(end), binding.mapping)
      if (typeof from !== 'number' || typeof to !== 'number' || to <= from || to > size) continue
      ranges.set(id, { from, to })
    } catch {
      // Positions a client wrote badly: the thread is listed without an anchor.
    }
  }
  return ranges
}

function decorate(doc: Parameters<typeof DecorationSet.create>[0], ranges: Map<string, AnchorRange>, active: string | null): DecorationSet {
  const decorations: Decoration[] = []
  for (const [id, { from, to }] of ranges) {
    decorations.push(
      Decoration.inline(from, to, { class: id === active ? 'comment-anchor is-active' : 'comment-anchor', 'data-thread': id }),
    )
  }
  return DecorationSet.create(doc, decorations)
}

/** Make `id` the active thread (or none). */
export function setActiveThread(view: EditorView, id: string | null): void {
  view.dispatch(view.state.tr.setMeta(commentAnchorsKey, { active: id } satisfies AnchorsMeta))
}

/**
 * The plugin for the document `doc`. `onActivate` is called with a thread id when the person clicks
 * highlighted text.
 */
export function commentAnchorsPlugin(doc: Y.Doc, onActivate: (id: string) => void): Plugin<AnchorsState> {
  return new Plugin<AnchorsState>({
    key: commentAnchorsKey,
    state: {
      init: (_config, state) => ({ ranges: new Map(), active: null, decorations: DecorationSet.create(state.doc, []) }),
      apply(tr: Transaction, value, _old, state) {
        const meta = tr.getMeta(commentAnchorsKey) as AnchorsMeta | undefined
        if (meta && 'ranges' in meta) return { ...value, ranges: meta.ranges, decorations: decorate(state.doc, meta.ranges, value.active) }
        if (meta && 'active' in meta) return { ...value, active: meta.active, decorations: decorate(state.doc, value.ranges, meta.active) }
        if (!tr.docChanged) return value
        const ranges = new Map<string, AnchorRange>()
        for (const [id, range] of value.ranges) {
          const from = tr.mapping.map(range.from, 1)
          const to = tr.mapping.map(range.to, -1)
          if (to > from) ranges.set(id, { from, to })
        }
        return { ...value, ranges, decorations: value.decorations.map(tr.mapping, tr.doc) }
      },
    },
    props: {
      decorations: (state) => commentAnchorsKey.getState(state)?.decorations,
      handleClick(view, pos) {
        const ranges = commentAnchorsKey.getState(view.state)?.ranges
        if (!ranges) return false
        for (const [id, range] of ranges) {
          if (pos >= range.from && pos <= range.to) {
            onActivate(id)
            break
          }
        }
        return false
      },
    },
    view(view) {
      let scheduled = false
      const refresh = (transaction?: Y.Transaction): void => {
        // y-prosemirror opens a Yjs transaction on every editor update, most of them empty: only
        // real changes move anchors (and reacting to empty ones would loop through our own dispatch).
        if (transaction && transaction.changed.size === 0 && transaction.deleteSet.clients.size === 0) return
        if (scheduled) return
        scheduled = true
        // After y-prosemirror has applied the change to the editor and its mapping.
        queueMicrotask(() => {
          scheduled = false
          if ((view as { isDestroyed?: boolean }).isDestroyed) return
          view.dispatch(view.state.tr.setMeta(commentAnchorsKey, { ranges: readRanges(view, doc) } satisfies AnchorsMeta))
        })
      }
      doc.on('afterTransaction', refresh)
      refresh()
      return { destroy: () => doc.off('afterTransaction', refresh) }
    },
  })
}

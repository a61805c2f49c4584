/**
 * "Show authors": colours the text by who wrote it (Etherpad's author colours). Who wrote what comes
 * from the Yjs items (`author-runs.ts`), names and colours from the document's `authors` map, which
 * only the server writes (token names in secure mode). A legend lists the authors shown.
 */
import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { type CommentAuthor, readAuthors } from '@tandem/protocol'
import { Plugin, PluginKey } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView } from 'prosemirror-view'
import type * as Y from 'yjs'

import { isHexColor } from '../identity/palette.js'
import { h } from '../shell/element.js'
import { authorRuns } from './author-runs.js'

const authorsKey = new PluginKey<DecorationSet>('authors')

/** A colour for an author without a safe one of their own, picked from the client id. */
const FALLBACK_COLORS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#65a30d']

function colorOf(author: CommentAuthor | undefined, client: number): string {
  const color = author?.color
  return isHexColor(color) ? color : FALLBACK_COLORS[client % FALLBACK_COLORS.length]!
}

/** The decorations colouring `view`'s document by author, and the authors seen. */
function colourByAuthor(view: EditorView, doc: Y.Doc): { decorations: DecorationSet; seen: Map<string, { name: string; color: string }> } {
  const authors = readAuthors(doc)
  const seen = new Map<string, { name: string; color: string }>()
  const decorations: Decoration[] = []
  const size = view.state.doc.content.size
  for (const run of authorRuns(doc.getXmlFragment(DOCUMENT_FRAGMENT))) {
    if (run.to > size) break
    const author = authors.get(run.client)
    const color = colorOf(author, run.client)
    const name = author?.name ?? 'Unknown author'
    seen.set(author?.id ?? `${name}\u0000${color}`, { name, color })
    decorations.push(
      Decoration.inline(run.from, run.to, {
        class: 'authored',
        style: `--author-color: ${color}`,
        title: name,
      }),
    )
  }
  return { decorations: DecorationSet.create(view.state.doc, decorations), seen }
}

/** The plugin (off until switched on) and the switch with its legend. */
export function createAuthorsView(doc: Y.Doc): {
  plugin: Plugin
  toggle: HTMLButtonElement
  legend: HTMLElement
  attach(view: EditorView): () => void
} {
  let on = false
  let view: EditorView | null = null
  const toggle = h(
    'button',
    { type: 'button', class: 'button subtle authors-toggle', 'aria-pressed': 'false', title: 'Colour the text by who wrote it' },
    'Show authors',
  )
  const legend = h('ul', { class: 'authors-legend', 'aria-label': 'Authors', hidden: true })
  const plugin = new Plugin<DecorationSet>({
    key: authorsKey,
    state: {
      init: () => DecorationSet.empty,
      apply: (tr, value) => (tr.getMeta(authorsKey) as DecorationSet | undefined) ?? value.map(tr.mapping, tr.doc),
    },
    props: { decorations: (state) => authorsKey.getState(state) },
  })
  let scheduled = false
  const refresh = (): void => {
    if (!view || scheduled) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
      if (!view) return
      if (!on) {
        view.dispatch(view.state.tr.setMeta(authorsKey, DecorationSet.empty))
        legend.hidden = true
        return
      }
      const { decorations, seen } = colourByAuthor(view, doc)
      view.dispatch(view.state.tr.setMeta(authorsKey, decorations))
      legend.replaceChildren(
        ...[...seen.values()].map(({ name, color }) => h('li', { class: 'authors-legend-item', style: `--author-color: ${color}` }, name)),
      )
      legend.hidden = false
    })
  }
  const onTransaction = (transaction: Y.Transaction): void => {
    if (!on || (transaction.changed.size === 0 && transaction.deleteSet.clients.size === 0)) return
    refresh()
  }
  toggle.addEventListener('click', () => {
    on = !on
    toggle.setAttribute('aria-pressed', String(on))
    toggle.textContent = on ? 'Hide authors' : 'Show authors'
    refresh()
  })
  return {
    plugin,
    toggle,
    legend,
    attach(editor) {
      view = editor
      doc.on('afterTransaction', onTransaction)
      return () => {
        doc.off('afterTransaction', onTransaction)
        view = null
      }
    },
  }
}

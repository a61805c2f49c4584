/**
 * An image in the editor. In secure mode the image route needs the page's token, which an `<img>`
 * cannot send, so the picture is fetched with it and shown from a blob URL. Double-click (or
 * Enter while it is selected) asks for its description, the text alternative screen readers read.
 */
import { IMAGE_SRC } from '@tandem/document'
import type { Node } from 'prosemirror-model'
import { type Command, NodeSelection } from 'prosemirror-state'
import type { EditorView, NodeView } from 'prosemirror-view'

import { bearerHeaders } from '../session/access-token.js'

/** Ask for a new description of the image at `pos`, and set it. */
function describe(view: EditorView, pos: number, node: Node): void {
  const alt = prompt('Describe this image for people who cannot see it', node.attrs.alt as string)
  if (alt === null) return
  view.dispatch(view.state.tr.setNodeMarkup(pos, undefined, { ...node.attrs, alt: alt.trim().slice(0, 1000) }))
}

/** Enter on a selected image asks for its description (the keyboard's way to double-click). */
export const describeSelectedImage: Command = (state, dispatch, view) => {
  const { selection } = state
  if (!(selection instanceof NodeSelection) || selection.node.type.name !== 'image') return false
  if (!view?.editable) return false
  if (dispatch) describe(view, selection.from, selection.node)
  return true
}

/** The node view factory for `image`, for the page's sign-in `token`. */
export function imageView(token: string | null): (node: Node, view: EditorView, getPos: () => number | undefined) => NodeView {
  return (node, view, getPos) => {
    const img = document.createElement('img')
    img.className = 'document-image'
    let current = node
    let blobUrl: string | null = null
    let loaded = ''
    const load = (): void => {
      const src = current.attrs.src as string
      if (src === loaded) return
      loaded = src
      // Any writer can put any address in a document's update: only this server's images are
      // loaded (and only they get the token), another address shows the description alone.
      if (!IMAGE_SRC.test(src)) {
        img.removeAttribute('src')
        return
      }
      if (!token) {
        img.src = src
        return
      }
      void fetch(src, { headers: bearerHeaders(token) })
        .then((response) => (response.ok ? response.blob() : null))
        .then((blob) => {
          if (!blob || loaded !== src) return
          if (blobUrl) URL.revokeObjectURL(blobUrl)
          blobUrl = URL.createObjectURL(blob)
          img.src = blobUrl
        })
        .catch(() => {})
    }
    const render = (): void => {
      img.alt = current.attrs.alt as string
      img.title = (current.attrs.title as string | null) ?? (current.attrs.alt as string)
      load()
    }
    img.addEventListener('dblclick', () => {
      const pos = getPos()
      if (pos === undefined || !view.editable) return
      describe(view, pos, current)
    })
    render()
    return {
      dom: img,
      update(next) {
        if (next.type !== current.type) return false
        current = next
        render()
        return true
      },
      destroy() {
        if (blobUrl) URL.revokeObjectURL(blobUrl)
      },
    }
  }
}

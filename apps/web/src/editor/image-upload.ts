/**
 * Pictures into a document: a pasted, dropped or picked image file is uploaded to the server
 * (`POST /api/rooms/<room>/images`) and put where it was pasted or dropped, an "Uploading…"
 * placeholder standing there meanwhile (edits around it move it along). Only PNG, JPEG, GIF and
 * WebP are taken; anything else (SVG included) is refused before uploading, with a word why.
 */
import { schema } from '@tandem/document'
import { type EditorState, Plugin, PluginKey } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView } from 'prosemirror-view'

import { bearerHeaders } from '../session/access-token.js'
import { readApiError } from '../shell/api-error.js'

/** Image types the server takes. */
const ACCEPTED = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** The file picker's list. */
export const IMAGE_ACCEPT = [...ACCEPTED].join(',')

/** Uploads one image; resolves with where the server serves it. */
export type ImageUploader = (file: File) => Promise<string>

/** The uploader for `room` with the page's sign-in; rejects with a message a person can read. */
export function imageUploader(room: string, token: string | null): ImageUploader {
  return async (file) => {
    let response: Response
    try {
      response = await fetch(`/api/rooms/${encodeURIComponent(room)}/images`, {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream', ...bearerHeaders(token) },
        body: file,
        signal: AbortSignal.timeout(60_000),
      })
    } catch {
      throw new Error(`${file.name} was not added: the server cannot be reached right now`)
    }
    if (!response.ok) {
      const { message } = await readApiError(response)
      throw new Error(`${file.name} was not added: ${message ?? `the server answered ${response.status}`}`)
    }
    return ((await response.json()) as { src: string }).src
  }
}

const key = new PluginKey<DecorationSet>('image-upload')

type Action = { add: { id: object; pos: number } } | { remove: { id: object } }

function placeholderAt(state: EditorState, id: object): number | null {
  const found = key.getState(state)?.find(undefined, undefined, (spec: { id?: object }) => spec.id === id)
  return found?.[0]?.from ?? null
}

/** Image files among `files`, and how many were refused for their type. */
function imageFiles(files: FileList | File[] | undefined): { accepted: File[]; refused: File[] } {
  const all = [...(files ?? [])]
  return {
    accepted: all.filter((file) => ACCEPTED.has(file.type)),
    refused: all.filter((file) => !ACCEPTED.has(file.type) && (file.type.startsWith('image/') || /\.svg$/i.test(file.name))),
  }
}

/**
 * Upload `files` and insert each at `pos` (or the selection) once stored. `notify` hears what went
 * wrong. Returns whether there was anything to do.
 */
export function insertImages(
  view: EditorView,
  files: File[],
  upload: ImageUploader,
  notify: (message: string) => void,
  pos?: number,
): boolean {
  const { accepted, refused } = imageFiles(files)
  if (refused.length > 0) notify(`${refused.map((file) => file.name).join(', ')}: only PNG, JPEG, GIF and WebP images can be added.`)
  if (accepted.length === 0) return refused.length > 0
  for (const file of accepted) {
    const id = {}
    const at = pos ?? view.state.selection.from
    view.dispatch(view.state.tr.setMeta(key, { add: { id, pos: at } } satisfies Action))
    upload(file).then(
      (src) => {
        const where = placeholderAt(view.state, id)
        if (where === null) return
        const image = schema.nodes.image!.create({ src, alt: '' })
        view.dispatch(view.state.tr.replaceWith(where, where, image).setMeta(key, { remove: { id } } satisfies Action))
      },
      (error: unknown) => {
        view.dispatch(view.state.tr.setMeta(key, { remove: { id } } satisfies Action))
        notify((error as Error).message)
      },
    )
  }
  return true
}

/** The plugin: placeholders, and pasted or dropped image files uploaded. */
export function imageUploadPlugin(upload: ImageUploader, notify: (message: string) => void): Plugin<DecorationSet> {
  return new Plugin<DecorationSet>({
    key,
    state: {
      init: () => DecorationSet.empty,
      apply(tr, set) {
        let next = set.map(tr.mapping, tr.doc)
        const action = tr.getMeta(key) as Action | undefined
        if (action && 'add' in action) {
          const widget = document.createElement('span')
          widget.className = 'image-uploading'
          widget.textContent = 'Uploading image…'
          next = next.add(tr.doc, [Decoration.widget(action.add.pos, widget, { id: action.add.id })])
        } else if (action && 'remove' in action) {
          next = next.remove(next.find(undefined, undefined, (spec: { id?: object }) => spec.id === action.remove.id))
        }
        return next
      },
    },
    props: {
      decorations: (state) => key.getState(state),
      handlePaste(view, event) {
        const files = [...(event.clipboardData?.files ?? [])]
        if (files.length === 0 || !view.editable) return false
        return insertImages(view, files, upload, notify)
      },
      handleDrop(view, event) {
        const files = [...(event.dataTransfer?.files ?? [])]
        if (files.length === 0 || !view.editable) return false
        const pos = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos
        const handled = insertImages(view, files, upload, notify, pos)
        if (handled) event.preventDefault()
        return handled
      },
    },
  })
}

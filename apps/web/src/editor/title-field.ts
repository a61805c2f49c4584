/**
 * The document's title in the header: the title set on it, else its first heading or line, else the
 * room name; also the browser tab's title. A click (or Enter on it) edits it in place: Enter sets it
 * for everyone, Escape leaves it, and an empty title goes back to the first heading. Read-only
 * connections see it without the edit.
 */
import { documentTitle, MAX_TITLE_LENGTH, setDocumentTitle } from '@tandem/protocol'
import type * as Y from 'yjs'

import { h } from '../shell/element.js'

/** The title control for `doc` (room `room`); `editable()` says whether this person may rename it. */
export function createTitleField(
  doc: Y.Doc,
  room: string,
  editable: () => boolean,
): { element: HTMLElement; refresh(): void; destroy(): void } {
  const shown = h('button', { type: 'button', class: 'doc-title', title: 'Rename this document' })
  const input = h('input', {
    type: 'text',
    class: 'doc-title-input',
    maxlength: String(MAX_TITLE_LENGTH),
    'aria-label': 'Document title',
    hidden: true,
  })
  const element = h('h1', { class: 'doc-title-wrap' }, shown, input)

  let frame = 0
  const render = (): void => {
    frame = 0
    const title = documentTitle(doc)
    const text = title || room
    if (shown.textContent !== text) shown.textContent = text
    shown.setAttribute('aria-label', `${text}: rename`)
    shown.disabled = !editable()
    document.title = `${text} · Tandem`
  }
  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(render)
  }

  const finish = (save: boolean): void => {
    if (input.hidden) return
    if (save) setDocumentTitle(doc, input.value)
    input.hidden = true
    shown.hidden = false
    render()
    shown.focus()
  }
  shown.addEventListener('click', () => {
    if (!editable()) return
    input.value = documentTitle(doc) || ''
    input.placeholder = room
    shown.hidden = true
    input.hidden = false
    input.focus()
    input.select()
  })
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault()
      finish(true)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      finish(false)
    }
  })
  input.addEventListener('blur', () => finish(true))

  doc.on('update', schedule)
  render()
  return {
    element,
    refresh: render,
    destroy() {
      doc.off('update', schedule)
      cancelAnimationFrame(frame)
    },
  }
}

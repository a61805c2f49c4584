/**
 * "Keep what you had": shown when a document is taken away while open (deleted by someone,
 * access withdrawn). The page still holds the document as it was on screen, unsaved edits included;
 * this offers it as text to copy and as Markdown, HTML or plain-text files, with a read-only view of
 * it, so nothing the person wrote is lost with the editor.
 */
import { type DocumentFormat, exportAs, schema, toText } from '@tandem/document'
import { DOMSerializer, type Node } from 'prosemirror-model'

import { h } from '../shell/element.js'
import { saveFile } from '../shell/save-file.js'

const DOWNLOADS: Array<{ format: DocumentFormat; label: string }> = [
  { format: 'markdown', label: 'Markdown' },
  { format: 'html', label: 'HTML' },
  { format: 'text', label: 'Text' },
]

/** Whether `doc` holds anything worth keeping. */
export function hasContent(doc: Node): boolean {
  return doc.textContent.trim() !== '' || doc.childCount > 1
}

/** The copy and download actions for `doc` (the document `room` as the page last showed it). */
export function createKeepACopy(doc: Node, room: string): HTMLElement {
  const copied = h('span', { class: 'keep-copy-feedback', role: 'status' })
  const copy = h('button', { type: 'button', class: 'button primary' }, 'Copy text')
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(toText(doc)).then(
      () => (copied.textContent = 'Copied.'),
      () => (copied.textContent = 'The browser refused the clipboard; download a file instead.'),
    )
  })
  const downloads = DOWNLOADS.map(({ format, label }) => {
    const button = h('button', { type: 'button', class: 'button subtle', 'aria-label': `Download as ${label}` }, label)
    button.addEventListener('click', () => {
      const file = exportAs(doc, format, room)
      saveFile(new Blob([file.body], { type: file.contentType }), `${room}.${file.extension}`)
    })
    return button
  })
  // ProseMirror's own rendering (links through safeHref), not an HTML string.
  const preview = h('div', { class: 'document keep-copy-preview', 'aria-label': 'Your copy of the document' })
  preview.append(DOMSerializer.fromSchema(schema).serializeFragment(doc.content))
  return h(
    'section',
    { class: 'keep-copy', 'aria-labelledby': 'keep-copy-title' },
    h('h2', { id: 'keep-copy-title' }, 'Keep what you had'),
    h('p', {}, 'This page still has the document as you last saw it, with any changes that were not saved.'),
    h('div', { class: 'keep-copy-actions' }, copy, h('span', { class: 'keep-copy-label' }, 'Download:'), ...downloads, copied),
    preview,
  )
}

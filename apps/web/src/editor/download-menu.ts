/**
 * "Download": the document as Markdown, HTML, plain text or JSON, from the server's export route
 * (the exporters the admin console uses; comment threads come along as notes). A menu button: the
 * arrow keys move between the formats, Escape closes and returns to the button.
 */
import { EXPORT_FILE_EXTENSIONS } from '@tandem/document'
import type { EXPORT_FORMATS } from '@tandem/protocol'

import { bearerHeaders } from '../session/access-token.js'
import { readApiError } from '../shell/api-error.js'
import { h, icon } from '../shell/element.js'
import { saveFile } from '../shell/save-file.js'

type Format = (typeof EXPORT_FORMATS)[number]

const DOWNLOAD_ICON = '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><path d="m7 10 5 5 5-5"/><path d="M12 15V3"/>'

const CHOICES: { format: Format; label: string }[] = [
  { format: 'markdown', label: 'Markdown (.md)' },
  { format: 'html', label: 'Web page (.html)' },
  { format: 'text', label: 'Plain text (.txt)' },
  { format: 'json', label: 'ProseMirror JSON (.json)' },
]

const TIMEOUT_MS = 20_000

/** Fetch `room` as `format` and hand it to the browser. Throws an `Error` whose message can be shown. */
async function download(room: string, format: Format, token: string | null): Promise<void> {
  let response: Response
  try {
    response = await fetch(`/api/rooms/${encodeURIComponent(room)}/export?format=${format}`, {
      headers: bearerHeaders(token),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
  } catch {
    throw new Error('Could not download: the server cannot be reached right now')
  }
  if (!response.ok) {
    const { message } = await readApiError(response)
    throw new Error(`Could not download${message ? `: ${message}` : ` (HTTP ${response.status})`}`)
  }
  saveFile(await response.blob(), `${room}.${EXPORT_FILE_EXTENSIONS[format]}`)
}

/** The download button and its menu, for `room`; `onError` shows what went wrong. */
export function createDownloadMenu(room: string, token: string | null, onError: (message: string) => void): HTMLElement {
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button subtle download-toggle',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': 'download-menu',
      title: 'Download this document',
      'aria-label': 'Download',
    },
    icon(DOWNLOAD_ICON),
  )
  const items = CHOICES.map(({ format, label }) =>
    h('button', { type: 'button', role: 'menuitem', tabindex: '-1', class: 'download-item', 'data-format': format }, label),
  )
  const menu = h('div', { id: 'download-menu', class: 'download-menu', role: 'menu', 'aria-label': 'Download as', hidden: true }, ...items)
  const root = h('div', { class: 'download' }, toggle, menu)

  const open = (): void => {
    menu.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    items[0]!.focus()
  }
  const close = (refocus: boolean): void => {
    if (menu.hidden) return
    menu.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
    if (refocus) toggle.focus()
  }
  toggle.addEventListener('click', () => (menu.hidden ? open() : close(false)))
  toggle.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown') return
    event.preventDefault()
    open()
  })
  menu.addEventListener('keydown', (event) => {
    const at = items.indexOf(event.target as HTMLButtonElement)
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key]
    if (event.key === 'Escape' || event.key === 'Tab') {
      if (event.key === 'Escape') event.preventDefault()
      close(event.key === 'Escape')
      return
    }
    if (next === undefined || at < 0) return
    event.preventDefault()
    items[(next + items.length) % items.length]!.focus()
  })
  menu.addEventListener('click', (event) => {
    const format = (event.target as HTMLElement).closest<HTMLElement>('[data-format]')?.dataset.format as Format | undefined
    if (!format) return
    close(true)
    download(room, format, token).catch((error: unknown) => onError((error as Error).message))
  })
  root.addEventListener('focusout', (event) => {
    if (!root.contains(event.relatedTarget as Node | null)) close(false)
  })
  document.addEventListener('pointerdown', (event) => {
    if (!root.contains(event.target as Node)) close(false)
  })
  return root
}

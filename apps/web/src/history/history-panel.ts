/**
 * The History panel beside the editor: the document's versions grouped by day, with their names,
 * authors and relative times; "Name the current version"; and, for a chosen version, a read-only
 * preview with what changed since the version before it, and "Restore this version" after a
 * confirmation. Everything is a button or a form field, so the keyboard reaches it all; Escape backs
 * out of a confirmation, then the preview, then the panel.
 */
import type { PmNode } from '@tandem/document'
import type { Version } from '@tandem/protocol'
import type { EditorView } from 'prosemirror-view'

import { relativeTime } from '../home/relative-time.js'
import { h, icon } from '../shell/element.js'
import { personDot } from '../shell/person-dot.js'
import { groupByDay } from './day-groups.js'
import { createVersionPreview } from './version-preview.js'
import type { VersionsApi } from './versions-api.js'

/** A clock turning back. */
const HISTORY_ICON = '<path d="M3 12a9 9 0 1 0 9-9 9.75 9.75 0 0 0-6.74 2.74L3 8"/><path d="M3 3v5h5"/><path d="M12 7v5l4 2"/>'
/** Screens on which the drawer covers the document (see history.css). */
const NARROW = '(max-width: 899px)'
const CLOSE_ICON = '<path d="M18 6 6 18"/><path d="m6 6 12 12"/>'

/** Where the panel shows a preview: the page hides its editor while one is shown. */
export interface PreviewHost {
  /** Element the preview (banner and document) is rendered into. */
  element: HTMLElement
  /** Called with `true` when a preview appears, `false` when it goes. */
  onPreview(shown: boolean): void
}

/** The panel and the button that opens it. */
export interface HistoryPanel {
  element: HTMLElement
  /** The header button that opens and closes the panel. */
  toggle: HTMLButtonElement
  open(): Promise<void>
  close(): void
  destroy(): void
}

/** A version's title: its name, or the time it was recorded. */
function versionTitle(version: Version): string {
  return version.name ?? new Date(version.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

function authorsLine(version: Version): HTMLElement {
  if (version.authors.length === 0) return h('span', { class: 'history-authors is-empty' }, version.auto ? 'No edits recorded' : '')
  return h(
    'span',
    { class: 'history-authors' },
    ...version.authors.flatMap((author, index) => [
      index > 0 ? ', ' : null,
      h('span', { class: 'history-author' }, personDot(author.color), author.name),
    ]),
  )
}

/** Create the panel for the document `api` serves; previews go into `host`. */
export function createHistoryPanel(api: VersionsApi, host: PreviewHost): HistoryPanel {
  let versions: Version[] = []
  let next: number | null = null
  let selected: number | null = null
  let preview: EditorView | null = null
  let loading = false
  /** Whether the person opened the panel (it steps aside during a preview on a narrow screen). */
  let opened = false

  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button subtle history-toggle',
      'aria-expanded': 'false',
      'aria-controls': 'history-panel',
      title: 'Version history',
    },
    icon(HISTORY_ICON),
    h('span', { class: 'history-toggle-label' }, 'History'),
  )
  const error = h('p', { class: 'history-error', role: 'alert', hidden: true })
  const nameInput = h('input', {
    class: 'history-name-input',
    type: 'text',
    maxlength: '200',
    required: true,
    placeholder: 'e.g. Sent to review',
    'aria-label': 'Name for the current version',
  })
  const nameForm = h(
    'form',
    { class: 'history-name-form' },
    h('label', { class: 'history-name-label' }, 'Name the current version', nameInput),
    h('button', { type: 'submit', class: 'button' }, 'Save'),
  )
  const list = h('div', { class: 'history-list' })
  const empty = h('p', { class: 'history-empty', hidden: true }, 'No versions yet. One is recorded when a burst of editing ends.')
  const more = h('button', { type: 'button', class: 'button subtle history-more', hidden: true }, 'Show older versions')
  const close = h('button', { type: 'button', class: 'icon-button history-close', 'aria-label': 'Close version history' }, icon(CLOSE_ICON))
  const element = h(
    'aside',
    { id: 'history-panel', class: 'history-panel', 'aria-label': 'Version history', hidden: true },
    h('div', { class: 'history-head' }, h('h2', { class: 'history-heading' }, 'Version history'), close),
    nameForm,
    error,
    h('div', { class: 'history-scroll' }, list, empty, more),
  )

  const showError = (message: string | null): void => {
    error.textContent = message ?? ''
    error.hidden = message === null
  }

  const render = (): void => {
    const now = Date.now()
    list.replaceChildren(
      ...groupByDay(versions, (version) => version.createdAt, now).map((group) =>
        h(
          'section',
          { class: 'history-day' },
          h('h3', { class: 'history-day-label' }, group.label),
          h(
            'ul',
            { class: 'history-items' },
            ...group.items.map((version) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: `history-item${version.name ? ' is-named' : ''}`,
                    'aria-pressed': String(version.id === selected),
                    'data-version': String(version.id),
                    onclick: () => void select(version.id),
                  },
                  h('span', { class: 'history-item-title' }, versionTitle(version)),
                  h(
                    'time',
                    { class: 'history-item-time', datetime: new Date(version.createdAt).toISOString() },
                    relativeTime(version.createdAt, now),
                  ),
                  authorsLine(version),
                ),
              ),
            ),
          ),
        ),
      ),
    )
    empty.hidden = versions.length > 0
    more.hidden = next === null
  }

  const load = async (older = false): Promise<void> => {
    if (loading) return
    loading = true
    try {
      const page = await api.list(older && next !== null ? next : undefined)
      versions = older ? [...versions, ...page.versions] : page.versions
      next = page.next
      showError(null)
      render()
    } catch (failure) {
      showError((failure as Error).message)
    } finally {
      loading = false
    }
  }

  const closePreview = (): void => {
    if (selected === null) return
    selected = null
    preview?.destroy()
    preview = null
    host.element.replaceChildren()
    host.onPreview(false)
    if (opened) element.hidden = false
    render()
  }

  const select = async (id: number): Promise<void> => {
    const index = versions.findIndex((version) => version.id === id)
    const version = versions[index]
    if (!version) return
    if (index === versions.length - 1 && next !== null) await load(true)
    const previous = versions[index + 1] ?? null
    let content: PmNode
    let before: PmNode | null
    try {
      ;[content, before] = await Promise.all([api.content(id), previous ? api.content(previous.id) : Promise.resolve(null)])
    } catch (failure) {
      showError((failure as Error).message)
      return
    }
    selected = id
    showError(null)
    preview?.destroy()
    const mount = h('div', { class: 'editor-mount' })
    const confirm = h(
      'div',
      { class: 'version-confirm', role: 'alertdialog', 'aria-label': 'Restore this version?', hidden: true },
      h('p', {}, 'Restore this version? Everyone editing sees it at once. The document as it is now is kept as a version.'),
      h('button', { type: 'button', class: 'button primary', onclick: () => void restore(version) }, 'Restore'),
      h('button', { type: 'button', class: 'button subtle', onclick: () => hideConfirm() }, 'Cancel'),
    )
    const restoreButton = h(
      'button',
      { type: 'button', class: 'button primary version-restore', onclick: () => showConfirm() },
      'Restore this version',
    )
    const showConfirm = (): void => {
      confirm.hidden = false
      ;(confirm.querySelector('button') as HTMLButtonElement).focus()
    }
    const hideConfirm = (): void => {
      confirm.hidden = true
      restoreButton.focus()
    }
    host.element.replaceChildren(
      h(
        'div',
        { class: 'version-banner', role: 'region', 'aria-label': 'Version preview' },
        h(
          'div',
          { class: 'version-banner-text' },
          h('strong', { class: 'version-banner-title' }, versionTitle(version)),
          h(
            'span',
            { class: 'version-banner-note' },
            previous ? 'Highlighted: what changed since the version before' : 'The oldest version kept',
          ),
        ),
        h(
          'div',
          { class: 'version-banner-actions' },
          restoreButton,
          h('button', { type: 'button', class: 'button subtle', onclick: () => closePreview() }, 'Back to the document'),
        ),
        confirm,
      ),
      h('article', { class: 'page version-page' }, mount),
    )
    preview = createVersionPreview(mount, content, before)
    host.onPreview(true)
    // On a narrow screen the drawer would cover the preview: it steps aside until the preview closes.
    if (window.matchMedia(NARROW).matches) element.hidden = true
    render()
    restoreButton.focus()
  }

  const restore = async (version: Version): Promise<void> => {
    try {
      await api.restore(version.id)
    } catch (failure) {
      showError((failure as Error).message)
      return
    }
    closePreview()
    await load()
  }

  nameForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const name = nameInput.value.trim()
    if (!name) return
    void api.name(name).then(
      async () => {
        nameInput.value = ''
        await load()
      },
      (failure: unknown) => showError((failure as Error).message),
    )
  })
  more.addEventListener('click', () => void load(true))

  const open = async (): Promise<void> => {
    opened = true
    element.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    await load()
  }
  const closePanel = (): void => {
    opened = false
    closePreview()
    element.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
    toggle.focus()
  }
  toggle.addEventListener('click', () => (opened ? closePanel() : void open()))
  close.addEventListener('click', closePanel)
  const onKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || !opened) return
    const confirm = host.element.querySelector<HTMLElement>('.version-confirm')
    if (confirm && !confirm.hidden) {
      confirm.hidden = true
      host.element.querySelector<HTMLButtonElement>('.version-restore')?.focus()
    } else if (selected !== null) closePreview()
    else closePanel()
  }
  document.addEventListener('keydown', onKey)
  // Relative times go stale while the panel stays open.
  const ticker = setInterval(() => {
    if (opened) render()
  }, 60_000)

  return {
    element,
    toggle,
    open,
    close: closePanel,
    destroy() {
      clearInterval(ticker)
      document.removeEventListener('keydown', onKey)
      preview?.destroy()
    },
  }
}

/**
 * The "Audit log" card: what administrators did and what writers deleted, newest first, with who,
 * what, to what, from where and when. A filter by kind of action and by actor or target text asks
 * the server; "Show older" pages back. The first page refreshes on its own while visible.
 */
import type { AuditEntry, AuditPage } from '@tandem/protocol'

import { h } from '../shell/element.js'
import type { AuditQuery } from './admin-api.js'
import { actionLabel, actorLabel, AUDIT_ACTIONS } from './audit-labels.js'
import { formatDateTime } from './time-format.js'
import { startVisiblePoller } from './visible-poller.js'

const REFRESH_MS = 5_000
const PAGE = 25

/** The card. */
export interface AuditPanel {
  element: HTMLElement
  refreshNow(): void
  destroy(): void
}

/** How long the log keeps entries, in words. */
function retentionText(retentionMs: number): string {
  if (retentionMs === 0) return 'Entries are kept forever.'
  return `Entries are kept ${Math.round(retentionMs / 86_400_000)} days.`
}

export function createAuditPanel(load: (query: AuditQuery) => Promise<AuditPage>): AuditPanel {
  const action = h(
    'select',
    { id: 'audit-action', class: 'text-input audit-filter' },
    h('option', { value: '' }, 'All actions'),
    h('option', { value: 'trash' }, 'Trash (restored, purged)'),
    ...AUDIT_ACTIONS.map((known) => h('option', { value: known.action }, known.label)),
  )
  const text = h('input', {
    id: 'audit-text',
    type: 'search',
    class: 'text-input audit-filter',
    placeholder: 'Who or what',
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const summary = h('p', { class: 'audit-summary', role: 'status' })
  const body = h('tbody', {})
  const table = h(
    'table',
    { class: 'audit-table', 'aria-labelledby': 'audit-heading' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'When'),
        h('th', { scope: 'col' }, 'Who'),
        h('th', { scope: 'col' }, 'What'),
        h('th', { scope: 'col' }, 'Target'),
        h('th', { scope: 'col' }, 'Address'),
      ),
    ),
    body,
  )
  const older = h('button', { type: 'button', class: 'button subtle small', hidden: true }, 'Show older')
  const problem = h('p', { class: 'detail-error', role: 'alert' })
  const element = h(
    'section',
    { class: 'admin-card audit-card', 'aria-labelledby': 'audit-heading' },
    h(
      'div',
      { class: 'card-head audit-head' },
      h('h2', { id: 'audit-heading', class: 'card-title' }, 'Audit log'),
      h(
        'div',
        { class: 'audit-filters' },
        h('label', { for: 'audit-action', class: 'visually-hidden' }, 'Action'),
        action,
        h('label', { for: 'audit-text', class: 'visually-hidden' }, 'Who or what'),
        text,
      ),
    ),
    summary,
    h('div', { class: 'table-scroll' }, table),
    older,
    problem,
  )

  /** Entries shown beyond the first page, and where the next older page starts. */
  let shown: AuditEntry[] = []
  let nextCursor: string | null = null
  let pagedBack = false

  const query = (cursor?: string): AuditQuery => ({
    limit: PAGE,
    cursor,
    action: action.value || undefined,
    q: text.value.trim() || undefined,
  })
  /** Bumped whenever the filter changes or the administrator pages back: an answer to an older ask is dropped. */
  let generation = 0
  const row = (entry: AuditEntry): HTMLTableRowElement =>
    h(
      'tr',
      { 'data-action': entry.action },
      h('td', {}, h('time', { datetime: new Date(entry.at).toISOString() }, formatDateTime(entry.at))),
      h('td', {}, actorLabel(entry.actor)),
      h('td', {}, actionLabel(entry.action)),
      h('td', { class: 'audit-target' }, entry.target ?? '—'),
      h('td', { class: 'audit-address' }, entry.address ?? '—'),
    )
  const render = (page: AuditPage): void => {
    summary.textContent = `${shown.length === 0 ? 'Nothing recorded yet.' : ''} ${retentionText(page.retentionMs)}`.trim()
    body.replaceChildren(...shown.map(row))
    older.hidden = nextCursor === null
  }

  const refresh = async (): Promise<void> => {
    // Paging back, the administrator reads; the list holds still until the filter changes.
    if (pagedBack) return
    const asked = generation
    try {
      const page = await load(query())
      if (asked !== generation) return
      shown = page.entries
      nextCursor = page.nextCursor
      problem.textContent = ''
      render(page)
    } catch (error) {
      problem.textContent = `Cannot read the audit log: ${(error as Error).message}.`
    }
  }
  const poller = startVisiblePoller(refresh, REFRESH_MS)
  const restart = (): void => {
    generation++
    pagedBack = false
    poller.refreshNow()
  }
  action.addEventListener('change', restart)
  let typing: ReturnType<typeof setTimeout> | undefined
  text.addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(restart, 250)
  })
  older.addEventListener('click', async () => {
    if (nextCursor === null) return
    const asked = ++generation
    pagedBack = true
    try {
      const page = await load(query(nextCursor))
      if (asked !== generation) return
      shown = [...shown, ...page.entries]
      nextCursor = page.nextCursor
      render(page)
    } catch (error) {
      problem.textContent = `Cannot read the audit log: ${(error as Error).message}.`
    }
  })

  return {
    element,
    refreshNow: restart,
    destroy() {
      clearTimeout(typing)
      poller.stop()
    },
  }
}

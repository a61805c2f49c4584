/**
 * The "Trash" card: documents deleted by the administrator or by writers, most recent first, each
 * with who deleted it, when, and when retention purges it, and two actions: Restore (the document
 * comes back as it was, its link opens again) and Purge (gone for good, after a confirmation).
 * Polls on its own while the page is visible; `refreshNow` after a delete elsewhere in the console.
 */
import type { AdminTrash, TrashedRoom } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { formatBytes } from '../shell/quantity-format.js'
import { actorLabel } from './audit-labels.js'
import { formatDateTime, formatSince } from './time-format.js'
import { startVisiblePoller } from './visible-poller.js'

const REFRESH_MS = 5_000
const DAY_MS = 86_400_000

/** The card. */
export interface TrashPanel {
  element: HTMLElement
  refreshNow(): void
  destroy(): void
}

/** What the card does through the admin API; each rejects with an error to show. */
export interface TrashActions {
  load(): Promise<AdminTrash>
  restore(name: string): Promise<void>
  purge(name: string): Promise<void>
  /** A document was restored or purged: `message` says which (the console refreshes its table and log). */
  onChange(message: string): void
}

/** How long deleted documents are kept, in words. */
function retentionText(retentionMs: number): string {
  if (retentionMs === 0) return 'Deleted documents are kept until you purge them.'
  const days = retentionMs / DAY_MS
  const span = days >= 1 ? `${Math.round(days)} day${Math.round(days) === 1 ? '' : 's'}` : `${Math.round(retentionMs / 3_600_000)} hours`
  return `Deleted documents are kept ${span}, then purged for good.`
}

export function createTrashPanel(actions: TrashActions): TrashPanel {
  const summary = h('p', { class: 'trash-summary' })
  const list = h('ul', { class: 'trash-list', 'aria-label': 'Deleted documents' })
  const empty = h('p', { class: 'detail-note' }, 'Nothing is in the trash.')
  /** Why the last restore or purge failed: kept until the next one. */
  const problem = h('p', { class: 'detail-error', role: 'alert' })
  /** Why the list cannot be read now: kept until it can. */
  const unreadable = h('p', { class: 'detail-error', role: 'alert' })
  const element = h(
    'section',
    { class: 'admin-card trash-card', 'aria-labelledby': 'trash-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'trash-heading', class: 'card-title' }, 'Trash')),
    summary,
    empty,
    list,
    problem,
    unreadable,
  )
  let busy: string | null = null

  const act = async (room: TrashedRoom, kind: 'restore' | 'purge'): Promise<void> => {
    if (busy) return
    if (kind === 'purge' && !window.confirm(`Purge “${room.name}” for good? Its content, history and images cannot be brought back.`))
      return
    busy = room.name
    problem.textContent = ''
    try {
      await (kind === 'restore' ? actions.restore(room.name) : actions.purge(room.name))
      actions.onChange(
        kind === 'restore' ? `Restored “${room.name}”: its link opens it again, as it was.` : `Purged “${room.name}” for good.`,
      )
    } catch (error) {
      problem.textContent = `“${room.name}” was not ${kind === 'restore' ? 'restored' : 'purged'}: ${(error as Error).message}.`
    } finally {
      busy = null
      poller.refreshNow()
    }
  }

  const row = (room: TrashedRoom, now: number): HTMLLIElement =>
    h(
      'li',
      { class: 'trash-item', 'data-room': room.name },
      h(
        'div',
        { class: 'trash-text' },
        h('span', { class: 'trash-name' }, room.name),
        h(
          'span',
          { class: 'trash-meta' },
          `Deleted ${formatSince(room.trashedAt, now)} by ${actorLabel(room.trashedBy)} · ${formatBytes(room.bytes)}`,
        ),
        room.purgeAt === null ? null : h('span', { class: 'trash-meta' }, `Kept until ${formatDateTime(room.purgeAt)}`),
      ),
      h(
        'div',
        { class: 'trash-actions' },
        h(
          'button',
          { type: 'button', class: 'button subtle small', 'aria-label': `Restore ${room.name}`, onclick: () => void act(room, 'restore') },
          'Restore',
        ),
        h(
          'button',
          { type: 'button', class: 'button danger small', 'aria-label': `Purge ${room.name}`, onclick: () => void act(room, 'purge') },
          'Purge',
        ),
      ),
    )

  const refresh = async (): Promise<void> => {
    try {
      const trash = await actions.load()
      const now = Date.now()
      summary.textContent = retentionText(trash.retentionMs)
      empty.hidden = trash.rooms.length > 0
      list.replaceChildren(...trash.rooms.map((room) => row(room, now)))
      unreadable.textContent = ''
    } catch (error) {
      empty.hidden = true
      unreadable.textContent = `Cannot read the trash: ${(error as Error).message}.`
    }
  }
  const poller = startVisiblePoller(refresh, REFRESH_MS)

  return { element, refreshNow: () => poller.refreshNow(), destroy: () => poller.stop() }
}

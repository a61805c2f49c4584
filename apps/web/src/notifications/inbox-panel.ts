/**
 * The inbox panel under the bell: recent notifications, newest first, unread ones marked, "Mark all
 * read". Rows are keyed and updated in place (like the home page's room list), so marking one read
 * does not rebuild the list under the pointer or move keyboard focus.
 */
import { relativeTime } from '../home/relative-time.js'
import { h, icon } from '../shell/element.js'
import type { InboxItem, InboxStore } from './inbox-store.js'
import { CHECK_ALL_ICON, INFO_ICON, NOTICE_ICON, WARNING_ICON } from './notification-icons.js'

/** The panel element and how to refresh it. */
export interface InboxPanel {
  element: HTMLElement
  /** Re-render from the store; relative times are computed as of now. */
  render(): void
  /** Say whether notifications are arriving, or why not. */
  setOnline(online: boolean): void
}

const LEVEL_ICONS = { info: INFO_ICON, warning: WARNING_ICON, notice: NOTICE_ICON } as const

interface Row {
  item: HTMLLIElement
  time: HTMLTimeElement
  /** "Unread", for screen readers; sighted people see the dot and the tint. */
  unreadLabel: HTMLSpanElement
}

function createRow(entry: InboxItem, onOpen: (entry: InboxItem) => void): Row {
  const time = h('time', { class: 'inbox-time', datetime: new Date(entry.ts).toISOString() })
  const unreadLabel = h('span', { class: 'inbox-unread-label visually-hidden' }, 'Unread: ')
  const button = h(
    'button',
    { type: 'button', class: 'inbox-entry', onclick: () => onOpen(entry), ...(entry.href ? { 'data-href': entry.href } : {}) },
    h('span', { class: 'inbox-icon' }, icon(LEVEL_ICONS[entry.level])),
    h(
      'span',
      { class: 'inbox-content' },
      unreadLabel,
      entry.title ? h('span', { class: 'inbox-title' }, entry.title) : null,
      entry.text ? h('span', { class: 'inbox-text' }, entry.text) : null,
      time,
    ),
    h('span', { class: 'inbox-dot', 'aria-hidden': 'true' }),
  )
  return { item: h('li', { class: 'inbox-item', 'data-level': entry.level, 'data-key': entry.key }, button), time, unreadLabel }
}

/** The panel for `inbox`; `id` lets the bell point at it with `aria-controls`. */
export function createInboxPanel(inbox: InboxStore, id: string): InboxPanel {
  const markAll = h(
    'button',
    { type: 'button', class: 'inbox-mark-all', onclick: () => inbox.markAllRead() },
    icon(CHECK_ALL_ICON),
    'Mark all read',
  )
  const summary = h('p', { class: 'inbox-summary' })
  const list = h('ul', { class: 'inbox-list', 'aria-label': 'Recent notifications' })
  const empty = h(
    'div',
    { class: 'inbox-empty' },
    h('span', { class: 'inbox-empty-title' }, 'You are all caught up'),
    h('span', {}, 'Announcements from your server will appear here.'),
  )
  const offline = h(
    'p',
    { class: 'inbox-offline', role: 'status', hidden: true },
    'Offline. New notifications will arrive when the connection returns.',
  )
  const element = h(
    'div',
    { id, class: 'inbox-panel', role: 'dialog', 'aria-label': 'Notification inbox', tabindex: '-1', hidden: true },
    h('div', { class: 'inbox-head' }, h('div', {}, h('h2', { class: 'inbox-heading' }, 'Notifications'), summary), markAll),
    offline,
    h('div', { class: 'inbox-scroll' }, list, empty),
  )
  const rows = new Map<string, Row>()

  const render = (): void => {
    const now = Date.now()
    const items = inbox.items
    const unread = inbox.unreadCount
    summary.textContent = items.length === 0 ? 'Nothing yet' : unread === 0 ? 'All read' : `${unread} unread`
    markAll.disabled = unread === 0
    empty.hidden = items.length > 0
    const seen = new Set<string>()
    items.forEach((entry, index) => {
      seen.add(entry.key)
      let row = rows.get(entry.key)
      if (!row) {
        row = createRow(entry, (opened) => {
          inbox.markRead(opened.key)
          // A comment notification leads to its thread.
          if (opened.href) location.assign(opened.href)
        })
        rows.set(entry.key, row)
      }
      row.item.classList.toggle('is-unread', !entry.read)
      row.unreadLabel.hidden = entry.read
      row.time.textContent = relativeTime(entry.ts, now)
      if (list.children[index] !== row.item) list.insertBefore(row.item, list.children[index] ?? null)
    })
    for (const [key, row] of rows) {
      if (seen.has(key)) continue
      row.item.remove()
      rows.delete(key)
    }
  }

  render()
  return {
    element,
    render,
    setOnline(online) {
      offline.hidden = online
    },
  }
}

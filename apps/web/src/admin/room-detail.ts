/**
 * The panel beside the room table for the selected room: its facts, who is connected (with access,
 * since when and from where), export buttons and the way to delete it. Updated in place on every
 * refresh, keyed by connection id, so text being selected in it stays selected.
 */
import { relativeTime } from '../home/relative-time.js'
import { createAvatar } from '../shell/avatar.js'
import { h, icon } from '../shell/element.js'
import { formatBytes, formatExactCount } from '../shell/quantity-format.js'
import type { ExportFormat } from './admin-api.js'
import type { AdminConnection, AdminRoom, AdminRoomDetail } from './admin-room-data.js'
import { formatDateTime, formatElapsed, formatSince } from './time-format.js'

const CLOSE_ICON = '<path d="M18 6 6 18"/><path d="m6 6 12 12"/>'
const OPEN_ICON = '<path d="M15 3h6v6"/><path d="M10 14 21 3"/><path d="M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/>'
const DOWNLOAD_ICON = '<path d="M12 3v12"/><path d="m7 10 5 5 5-5"/><path d="M5 21h14"/>'
const SELECT_ICON = '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 10h18"/><path d="M9 10v10"/>'

const EXPORTS: { format: ExportFormat; label: string }[] = [
  { format: 'json', label: 'JSON' },
  { format: 'html', label: 'HTML' },
  { format: 'markdown', label: 'Markdown' },
  { format: 'text', label: 'Text' },
]

/** What the panel asks its owner to do. */
export interface RoomDetailEvents {
  onClose(): void
  /** Fetch the export and save it; a rejection is shown in the panel. */
  onExport(room: string, format: ExportFormat): Promise<void>
  onDelete(room: AdminRoom): Promise<void>
}

/** The panel and what it can show. */
export interface RoomDetailPanel {
  element: HTMLElement
  /** Show `room` from the table at once and its connections once `detail` has arrived. */
  show(room: AdminRoom, detail: AdminRoomDetail | null, now: number): void
  /** Say that room `name` no longer exists. */
  showMissing(name: string): void
  /** Go back to the "select a room" hint. */
  clear(): void
}

interface ConnectionItem {
  li: HTMLLIElement
  meta: HTMLElement
  signature: string
}

function fact(label: string): { root: HTMLElement; value: HTMLElement } {
  const value = h('dd', {})
  return { root: h('div', { class: 'fact' }, h('dt', {}, label), value), value }
}

function createConnectionItem(connection: AdminConnection, color: string): ConnectionItem {
  const meta = h('span', { class: 'connection-meta' })
  const access = connection.readOnly
    ? h('span', { class: 'access-badge is-read-only' }, 'Read-only')
    : h('span', { class: 'access-badge' }, 'Can edit')
  const li = h(
    'li',
    { class: 'connection', 'data-connection': connection.id },
    createAvatar({ name: connection.user, color }, 32),
    h(
      'div',
      { class: 'connection-text' },
      h('span', { class: 'connection-line' }, h('span', { class: 'connection-name' }, connection.user), access),
      meta,
      connection.address ? h('span', { class: 'connection-address', title: 'Address' }, connection.address) : null,
      connection.userId ? h('span', { class: 'connection-id' }, `User id ${connection.userId}`) : null,
    ),
  )
  return { li, meta, signature: '' }
}

/** An empty panel inviting the administrator to select a room. */
export function createRoomDetail(events: RoomDetailEvents): RoomDetailPanel {
  let current: AdminRoom | null = null
  const items = new Map<string, ConnectionItem>()

  const title = h('h2', { id: 'detail-title', class: 'card-title detail-title' })
  const openLink = h('a', { class: 'button subtle small', target: '_blank', rel: 'noopener' }, icon(OPEN_ICON), 'Open')
  const close = h(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': 'Close room details', title: 'Close', onclick: () => events.onClose() },
    icon(CLOSE_ICON),
  )
  const state = fact('State')
  const connectionsFact = fact('Connections')
  const size = fact('Size')
  const created = fact('Created')
  const activity = fact('Last activity')
  const list = h('ul', { class: 'connection-list', 'aria-label': 'Connections' })
  const nobody = h('p', { class: 'detail-note' }, 'Nobody is connected.')
  const loading = h('p', { class: 'detail-note' }, 'Loading connections…')
  const problem = h('p', { class: 'detail-error', role: 'alert' })
  const exportButtons = EXPORTS.map(({ format, label }) => {
    const button = h(
      'button',
      { type: 'button', class: 'button subtle small', 'aria-label': `Export as ${label}` },
      icon(DOWNLOAD_ICON),
      label,
    )
    button.addEventListener('click', async () => {
      if (!current) return
      button.disabled = true
      button.setAttribute('aria-busy', 'true')
      problem.textContent = ''
      try {
        await events.onExport(current.name, format)
      } catch (error) {
        problem.textContent = `The ${label} export failed: ${(error as Error).message}.`
      } finally {
        button.disabled = false
        button.removeAttribute('aria-busy')
      }
    })
    return button
  })
  const deleteButton = h(
    'button',
    { type: 'button', class: 'button danger', onclick: () => current && void events.onDelete(current) },
    'Delete room…',
  )

  const content = h(
    'div',
    { class: 'detail-content' },
    h('div', { class: 'card-head detail-head' }, title, openLink, close),
    h('dl', { class: 'detail-facts' }, state.root, connectionsFact.root, size.root, created.root, activity.root),
    h('h3', { class: 'detail-heading' }, 'Connected now'),
    loading,
    nobody,
    list,
    h('h3', { class: 'detail-heading' }, 'Export'),
    h('div', { class: 'export-buttons' }, ...exportButtons),
    problem,
    h(
      'div',
      { class: 'danger-zone' },
      h('div', {}, h('strong', {}, 'Delete this room'), h('p', {}, 'Disconnects everyone and removes its content for good.')),
      deleteButton,
    ),
  )
  const missingText = h('p', {})
  const missing = h(
    'div',
    { class: 'detail-placeholder' },
    missingText,
    h('button', { type: 'button', class: 'button subtle small', onclick: () => events.onClose() }, 'Close'),
  )
  const placeholder = h(
    'div',
    { class: 'detail-placeholder' },
    icon(SELECT_ICON),
    h('p', {}, 'Select a room to see who is connected, export it or delete it.'),
  )
  const element = h(
    'aside',
    { class: 'admin-card detail-card', id: 'room-detail', 'aria-label': 'Room details' },
    placeholder,
    content,
    missing,
  )

  const showOnly = (visible: HTMLElement): void => {
    for (const part of [placeholder, content, missing]) part.hidden = part !== visible
  }

  const renderConnections = (detail: AdminRoomDetail, now: number): void => {
    const seen = new Set<string>()
    detail.connectionsList.forEach((connection, index) => {
      seen.add(connection.id)
      const signature = JSON.stringify([connection.user, connection.readOnly, connection.userId, connection.address, connection.color])
      let item = items.get(connection.id)
      if (!item || item.signature !== signature) {
        const fresh = createConnectionItem(connection, connection.color)
        fresh.signature = signature
        if (item) item.li.replaceWith(fresh.li)
        item = fresh
        items.set(connection.id, item)
      }
      item.meta.textContent =
        connection.connectedAt === null
          ? 'Connected'
          : `Connected ${formatElapsed(connection.connectedAt, now)} · since ${formatSince(connection.connectedAt, now)}`
      item.meta.title = connection.connectedAt === null ? '' : formatDateTime(connection.connectedAt)
      if (list.children[index] !== item.li) list.insertBefore(item.li, list.children[index] ?? null)
    })
    for (const [id, item] of items) {
      if (seen.has(id)) continue
      item.li.remove()
      items.delete(id)
    }
  }

  showOnly(placeholder)
  return {
    element,
    show(room, detail, now) {
      if (current?.name !== room.name) {
        problem.textContent = ''
        list.replaceChildren()
        items.clear()
      }
      current = detail ?? room
      showOnly(content)
      title.textContent = room.name
      title.title = room.name
      openLink.href = `/d/${encodeURIComponent(room.name)}`
      openLink.setAttribute('aria-label', `Open ${room.name} in a new tab`)
      const shown = detail ?? room
      state.value.textContent = shown.loaded ? 'Loaded in memory' : 'Idle, on disk'
      connectionsFact.value.textContent = formatExactCount(shown.connections)
      size.value.textContent = `${formatBytes(shown.bytes)} · ${formatExactCount(shown.logRows)} log ${shown.logRows === 1 ? 'row' : 'rows'} not yet compacted`
      created.value.textContent = formatDateTime(shown.createdAt)
      activity.value.textContent =
        shown.lastActivity > 0 ? `${relativeTime(shown.lastActivity, now)} · ${formatDateTime(shown.lastActivity)}` : '—'
      loading.hidden = detail !== null
      nobody.hidden = detail === null || detail.connectionsList.length > 0
      if (detail) renderConnections(detail, now)
    },
    showMissing(name) {
      current = null
      missingText.textContent = `The room “${name}” no longer exists.`
      showOnly(missing)
    },
    clear() {
      current = null
      showOnly(placeholder)
    },
  }
}

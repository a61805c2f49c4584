/**
 * The live room table: search, sortable columns, a row per room updated in place. Rows are keyed by
 * room name and only moved when out of order, so a refresh every two seconds neither flickers nor
 * loses the scroll position, the focused button or the selected row.
 */
import { relativeTime } from '../home/relative-time.js'
import { createAvatar } from '../shell/avatar.js'
import { h, icon } from '../shell/element.js'
import { formatBytes, formatExactCount } from '../shell/quantity-format.js'
import type { AdminRoom } from './admin-room-data.js'
import { DEFAULT_ROOM_SORT, nextRoomSort, type RoomSort, type RoomSortKey, visibleRooms } from './room-order.js'
import { ROOM_PAGE_SIZE } from './room-pages.js'
import { formatDateTime } from './time-format.js'

const MAX_AVATARS = 4
const SEARCH_ICON = '<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>'
const SORT_ICON = '<path d="m8 9 4-4 4 4"/><path d="m16 15-4 4-4-4"/>'

/** What the table tells its owner. */
export interface RoomTableEvents {
  /** A column header was clicked; the owner fetches in this order from now on. */
  onSortChange(sort: RoomSort): void
  /** A row was clicked. */
  onSelect(room: AdminRoom): void
  /** The search changed (after typing pauses); the owner asks the server for the matching rooms. */
  onSearchChange(query: string): void
  /** "Show more" was pressed: the owner fetches the next page too. */
  onShowMore(): void
}

/** The table and how to feed it. */
export interface RoomTable {
  element: HTMLElement
  readonly sort: RoomSort
  /** What the search box holds, trimmed: the server filters by it. */
  readonly query: string
  /** Show `rooms` (the pages fetched so far of `total` rooms) as of `now`. */
  setRooms(rooms: AdminRoom[], total: number, now: number): void
  /** Mark room `name` as the one whose details are open. */
  setSelected(name: string | null): void
}

interface Row {
  tr: HTMLTableRowElement
  badge: HTMLElement
  count: HTMLElement
  people: HTMLElement
  peopleSignature: string
  size: HTMLElement
  logRows: HTMLElement
  activity: HTMLElement
}

const COLUMNS: { key: RoomSortKey; label: string; className: string }[] = [
  { key: 'name', label: 'Room', className: 'col-name' },
  { key: 'connections', label: 'People', className: 'col-people' },
  { key: 'bytes', label: 'Size', className: 'col-size' },
  { key: 'lastActivity', label: 'Last activity', className: 'col-activity' },
]

function createRow(room: AdminRoom, select: () => void): Row {
  const badge = h('span', { class: 'state-badge' })
  const count = h('span', { class: 'people-count', 'data-testid': 'room-connections' })
  // An image of the people present: the label is its text alternative.
  const people = h('span', { class: 'avatar-stack', role: 'img' })
  const size = h('span', {})
  const logRows = h('span', { class: 'cell-sub' })
  const activity = h('span', {})
  const tr = h(
    'tr',
    { 'data-room': room.name },
    h(
      'th',
      { scope: 'row', class: 'col-name' },
      h(
        'div',
        { class: 'room-cell' },
        h('span', { class: 'room-icon', 'aria-hidden': 'true' }, room.name.slice(0, 1).toUpperCase()),
        h('button', { type: 'button', class: 'room-select', 'aria-controls': 'room-detail', onclick: select }, room.name),
        badge,
      ),
    ),
    h('td', { class: 'col-people', 'data-column': 'connections' }, h('div', { class: 'people-cell' }, count, people)),
    h('td', { class: 'col-size' }, size, logRows),
    h('td', { class: 'col-activity' }, activity),
  )
  // The whole row is the click target; the button in it is what keyboards and screen readers use.
  tr.addEventListener('click', (event) => {
    if (!(event.target as Element).closest('button, a')) select()
  })
  return { tr, badge, count, people, peopleSignature: '', size, logRows, activity }
}

function renderRow(row: Row, room: AdminRoom, now: number): void {
  row.badge.textContent = room.loaded ? 'Loaded' : 'Idle'
  row.badge.className = `state-badge ${room.loaded ? 'is-loaded' : 'is-idle'}`
  row.badge.title = room.loaded ? 'Held in the server’s memory' : 'Only on disk until someone opens it'
  row.count.textContent = String(room.connections)
  row.count.title = `${formatExactCount(room.connections)} open ${room.connections === 1 ? 'connection' : 'connections'}`
  const signature = JSON.stringify(room.users)
  if (signature !== row.peopleSignature) {
    row.peopleSignature = signature
    const names = room.users.map((user) => user.name)
    row.people.setAttribute('aria-label', names.length === 0 ? 'Nobody here' : `Here now: ${names.join(', ')}`)
    const more = room.users.length - MAX_AVATARS
    row.people.replaceChildren(
      ...room.users.slice(0, MAX_AVATARS).map((user) => createAvatar(user, 24)),
      ...(more > 0 ? [h('span', { class: 'avatar-more', title: names.slice(MAX_AVATARS).join(', ') }, `+${more}`)] : []),
    )
  }
  row.size.textContent = formatBytes(room.bytes)
  row.size.title = `${formatExactCount(room.bytes)} bytes`
  row.logRows.textContent = `${formatExactCount(room.logRows)} log ${room.logRows === 1 ? 'row' : 'rows'}`
  row.logRows.title = 'Stored updates not yet compacted into the snapshot'
  row.activity.textContent = room.lastActivity > 0 ? relativeTime(room.lastActivity, now) : '—'
  row.activity.title = room.lastActivity > 0 ? formatDateTime(room.lastActivity) : ''
}

/** How long typing must pause before the search goes to the server. */
const SEARCH_DEBOUNCE_MS = 250

/** An empty table showing "Loading…" until the first rooms arrive. */
export function createRoomTable(events: RoomTableEvents): RoomTable {
  let sort = DEFAULT_ROOM_SORT
  let query = ''
  let selected: string | null = null
  let latest: { rooms: AdminRoom[]; total: number; now: number } | null = null
  const rows = new Map<string, Row>()

  const search = h('input', {
    type: 'search',
    id: 'room-search',
    class: 'search-input',
    placeholder: 'Search rooms',
    'aria-label': 'Search rooms',
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const headers = COLUMNS.map(({ key, label, className }) => {
    const button = h(
      'button',
      { type: 'button', class: 'sort-button', onclick: () => changeSort(key) },
      label,
      h('span', { class: 'sort-icon' }, icon(SORT_ICON)),
    )
    return { key, th: h('th', { scope: 'col', class: className }, button) }
  })
  const tbody = h('tbody', {}, h('tr', { class: 'table-message' }, h('td', { colspan: COLUMNS.length }, 'Loading rooms…')))
  const table = h(
    'table',
    { class: 'room-table', 'aria-labelledby': 'rooms-title', 'aria-busy': 'true' },
    h('thead', {}, h('tr', {}, ...headers.map(({ th }) => th))),
    tbody,
  )
  const empty = h('p', { class: 'table-empty', hidden: true })
  const summary = h('p', { class: 'table-summary', 'aria-live': 'off' })
  const countPill = h('span', { class: 'count-pill', hidden: true })
  const showMore = h(
    'button',
    { type: 'button', class: 'button show-more', hidden: true, onclick: () => events.onShowMore() },
    'Show more rooms',
  )
  const element = h(
    'section',
    { class: 'admin-card rooms-card', 'aria-labelledby': 'rooms-title' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'rooms-title', class: 'card-title' }, 'Rooms'),
      countPill,
      h('label', { class: 'search-field' }, icon(SEARCH_ICON), search),
    ),
    // Focusable so keyboard users can scroll it sideways on a narrow screen.
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Room table' }, table),
    empty,
    summary,
    showMore,
  )

  const renderHeaders = (): void => {
    for (const { key, th } of headers) {
      th.setAttribute('aria-sort', sort.key === key ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none')
    }
  }

  const render = (): void => {
    renderHeaders()
    if (!latest) return
    const { rooms, total, now } = latest
    table.removeAttribute('aria-busy')
    tbody.querySelector('.table-message')?.remove()
    const shown = visibleRooms(rooms, query, sort)
    const seen = new Set<string>()
    shown.forEach((room, index) => {
      seen.add(room.name)
      let row = rows.get(room.name)
      if (!row) {
        row = createRow(room, () => {
          const current = latest?.rooms.find((entry) => entry.name === room.name)
          if (current) events.onSelect(current)
        })
        rows.set(room.name, row)
      }
      renderRow(row, room, now)
      row.tr.classList.toggle('is-selected', room.name === selected)
      if (room.name === selected) row.tr.setAttribute('aria-current', 'true')
      else row.tr.removeAttribute('aria-current')
      // Move only rows that are out of place: moving a row would blur a focused button in it.
      if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null)
    })
    for (const [name, row] of rows) {
      if (seen.has(name)) continue
      row.tr.remove()
      rows.delete(name)
    }
    const searching = query.trim() !== ''
    // The server filtered the page by the last search sent; the page also filters at once while typing.
    empty.hidden = shown.length > 0
    empty.textContent = searching
      ? `No room name contains “${query.trim()}”.`
      : 'No rooms yet. A room appears here as soon as someone opens a document.'
    countPill.hidden = false
    countPill.textContent = formatExactCount(total)
    summary.textContent = searching
      ? `${formatExactCount(total)} ${total === 1 ? 'room matches' : 'rooms match'}${shown.length < total ? `, the first ${formatExactCount(shown.length)} shown` : ''}`
      : rooms.length < total
        ? `Showing the first ${formatExactCount(rooms.length)} of ${formatExactCount(total)} rooms in this order`
        : `${formatExactCount(total)} ${total === 1 ? 'room' : 'rooms'} · updated live`
    showMore.hidden = rooms.length >= total
    showMore.textContent = `Show ${formatExactCount(Math.min(ROOM_PAGE_SIZE, total - rooms.length))} more`
  }

  const changeSort = (key: RoomSortKey): void => {
    sort = nextRoomSort(sort, key)
    render()
    events.onSortChange(sort)
  }

  let searchTimer: ReturnType<typeof setTimeout> | null = null
  search.addEventListener('input', () => {
    query = search.value
    render()
    if (searchTimer) clearTimeout(searchTimer)
    searchTimer = setTimeout(() => events.onSearchChange(query.trim()), SEARCH_DEBOUNCE_MS)
  })
  renderHeaders()

  return {
    element,
    get query() {
      return query.trim()
    },
    get sort() {
      return sort
    },
    setRooms(rooms, total, now) {
      latest = { rooms, total, now }
      render()
    },
    setSelected(name) {
      selected = name
      render()
    },
  }
}

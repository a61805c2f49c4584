/**
 * The list of recent documents on the home page. Rows are keyed by room name and updated in place,
 * so a refresh (on every pushed change) neither flickers nor steals the hover or focus of a link.
 */
import { createAvatar } from '../shell/avatar.js'
import { h } from '../shell/element.js'
import { relativeTime } from './relative-time.js'
import type { RoomListing } from './rooms-api.js'

const MAX_AVATARS = 4

/** The list element and how to show new data in it. */
export interface RoomList {
  element: HTMLElement
  /** Show `rooms` (or keep the last ones and show `error`) as of `now`. */
  update(rooms: RoomListing[] | null, error: string | null, now: number): void
}

interface Row {
  item: HTMLLIElement
  meta: HTMLElement
  people: HTMLElement
  peopleSignature: string
}

function createRow(name: string): Row {
  const meta = h('span', { class: 'room-meta' })
  const people = h('span', { class: 'room-people' })
  const link = h(
    'a',
    { class: 'room-link', href: `/d/${encodeURIComponent(name)}` },
    h('span', { class: 'room-icon', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase()),
    h('span', { class: 'room-text' }, h('span', { class: 'room-name' }, name), meta),
    people,
  )
  return { item: h('li', { class: 'room', 'data-room': name }, link), meta, people, peopleSignature: '' }
}

function renderPeople(row: Row, room: RoomListing): void {
  const signature = JSON.stringify([room.users, room.userCount])
  if (signature === row.peopleSignature) return
  row.peopleSignature = signature
  const names = room.users.map((user) => user.name)
  const unlisted = room.userCount - names.length
  const label = `Here now: ${names.join(', ')}${unlisted > 0 ? ` and ${unlisted} more` : ''}`
  row.people.setAttribute('aria-label', names.length === 0 ? 'Nobody here' : label)
  const avatars = room.users.slice(0, MAX_AVATARS).map((user) => createAvatar(user, 26))
  const more = room.userCount - MAX_AVATARS
  row.people.replaceChildren(
    ...avatars,
    ...(more > 0 ? [h('span', { class: 'avatar-more', title: names.slice(MAX_AVATARS).join(', ') }, `+${more}`)] : []),
  )
}

/** Build an empty list showing placeholders until the first update. */
export function createRoomList(): RoomList {
  const list = h('ul', { class: 'room-list', 'aria-label': 'Recent documents', 'aria-busy': 'true' })
  const empty = h('p', { class: 'room-list-empty', hidden: true }, 'No documents yet. Create the first one above.')
  const error = h('p', { class: 'room-list-error', role: 'status', hidden: true })
  const rows = new Map<string, Row>()
  // Placeholder rows of the real rows' height, so the page does not jump when data arrives.
  list.append(...[0, 1, 2].map(() => h('li', { class: 'room is-skeleton', 'aria-hidden': 'true' }, h('span', { class: 'room-link' }))))

  return {
    element: h('div', { class: 'room-list-wrap' }, error, list, empty),
    update(rooms, problem, now) {
      error.hidden = problem === null
      error.textContent = problem ?? ''
      if (rooms === null) return
      list.removeAttribute('aria-busy')
      for (const skeleton of list.querySelectorAll('.is-skeleton')) skeleton.remove()
      const seen = new Set<string>()
      rooms.forEach((room, index) => {
        seen.add(room.name)
        let row = rows.get(room.name)
        if (!row) {
          row = createRow(room.name)
          rows.set(room.name, row)
        }
        row.item.classList.toggle('is-active', room.users.length > 0)
        row.meta.textContent =
          room.users.length > 0
            ? `Open now · active ${relativeTime(room.lastActivity, now)}`
            : `Active ${relativeTime(room.lastActivity, now)}`
        renderPeople(row, room)
        // Move only rows that are out of place, which keeps focus and hover on the others.
        if (list.children[index] !== row.item) list.insertBefore(row.item, list.children[index] ?? null)
      })
      for (const [name, row] of rows) {
        if (seen.has(name)) continue
        row.item.remove()
        rows.delete(name)
      }
      empty.hidden = rooms.length > 0
    },
  }
}

/**
 * The list of recent documents on the home page. Rows are keyed by room name and updated in place,
 * so a refresh (on every pushed change) neither flickers nor steals the hover or focus of a link.
 */
import { createAvatar } from '../shell/avatar.js'
import { h } from '../shell/element.js'
import { relativeTime } from './relative-time.js'
import type { RoomListing } from './rooms-api.js'

const MAX_AVATARS = 4

/** What a row offers besides opening the document. */
export interface RoomActions {
  rename(room: RoomListing): void
  delete(room: RoomListing): void
}

/** The list element and how to show new data in it. */
export interface RoomList {
  element: HTMLElement
  /** Show `rooms` (or keep the last ones and show `error`) as of `now`; `emptyText` says why there are none. */
  update(rooms: RoomListing[] | null, error: string | null, now: number, emptyText?: string): void
}

interface Row {
  item: HTMLLIElement
  title: HTMLElement
  /** The room's name, shown under a title (without one, the name is the title). */
  slug: HTMLElement
  icon: HTMLElement
  meta: HTMLElement
  snippet: HTMLElement
  people: HTMLElement
  peopleSignature: string
  /** The listing the row shows now, for its actions. */
  room: RoomListing | null
}

function createRow(name: string, actions: RoomActions): Row {
  const meta = h('span', {})
  const slug = h('span', { class: 'room-slug', hidden: true }, name)
  const title = h('span', { class: 'room-name' }, name)
  const icon = h('span', { class: 'room-icon', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase())
  const snippet = h('span', { class: 'room-snippet', hidden: true })
  const people = h('span', { class: 'room-people' })
  const link = h(
    'a',
    { class: 'room-link', href: `/d/${encodeURIComponent(name)}` },
    icon,
    h('span', { class: 'room-text' }, title, h('span', { class: 'room-meta' }, slug, meta), snippet),
    people,
  )
  const row: Row = {
    item: h('li', { class: 'room', 'data-room': name }),
    title,
    slug,
    icon,
    meta,
    snippet,
    people,
    peopleSignature: '',
    room: null,
  }
  const rename = h('button', { type: 'button', class: 'room-action', 'aria-label': `Rename ${name}`, title: 'Rename' }, 'Rename')
  const remove = h('button', { type: 'button', class: 'room-action is-danger', 'aria-label': `Delete ${name}`, title: 'Delete' }, 'Delete')
  rename.addEventListener('click', () => row.room && actions.rename(row.room))
  remove.addEventListener('click', () => row.room && actions.delete(row.room))
  row.item.append(link, h('span', { class: 'room-actions' }, rename, remove))
  return row
}

/** `text` with the parts between « and » (the matched words) in `<mark>`. */
function highlighted(text: string): (string | HTMLElement)[] {
  return text.split(/«([^»]*)»/).map((part, i) => (i % 2 === 1 ? h('mark', {}, part) : part))
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
export function createRoomList(actions: RoomActions): RoomList {
  const list = h('ul', { class: 'room-list', 'aria-label': 'Recent documents', 'aria-busy': 'true' })
  const empty = h('p', { class: 'room-list-empty', hidden: true }, 'No documents yet. Create the first one above.')
  const error = h('p', { class: 'room-list-error', role: 'status', hidden: true })
  const rows = new Map<string, Row>()
  // Placeholder rows of the real rows' height, so the page does not jump when data arrives.
  list.append(...[0, 1, 2].map(() => h('li', { class: 'room is-skeleton', 'aria-hidden': 'true' }, h('span', { class: 'room-link' }))))

  return {
    element: h('div', { class: 'room-list-wrap' }, error, list, empty),
    update(rooms, problem, now, emptyText = 'No documents yet. Create the first one above.') {
      empty.textContent = emptyText
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
          row = createRow(room.name, actions)
          rows.set(room.name, row)
        }
        row.room = room
        // The title when it has one, the name beside it; a document without text shows its name.
        const shown = room.title || room.name
        if (row.title.textContent !== shown) row.title.textContent = shown
        row.icon.textContent = shown.slice(0, 1).toUpperCase()
        row.snippet.hidden = !room.snippet
        row.snippet.replaceChildren(...highlighted(room.snippet ?? ''))
        row.item.classList.toggle('is-active', room.users.length > 0)
        row.slug.hidden = !room.title
        const after = room.title ? ' · ' : ''
        row.meta.textContent =
          room.users.length > 0
            ? `${after}Open now · active ${relativeTime(room.lastActivity, now)}`
            : `${after}Active ${relativeTime(room.lastActivity, now)}`
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

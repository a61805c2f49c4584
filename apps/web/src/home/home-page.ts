/**
 * `/`: start a new document or open a recent one. The list follows the server's `room:*` messages
 * (someone created, joined, left or edited a document), with a slow poll as a safety net; nothing is
 * fetched while the tab is hidden.
 */
import { copyScope } from '../offline/local-copies.js'
import type { AppShell } from '../shell/app-shell.js'
import { h } from '../shell/element.js'
import { createDocumentForm } from './create-document-form.js'
import { createImportButton } from './import-button.js'
import { createOfflineCopiesPanel } from './offline-copies-panel.js'
import { createRefreshScheduler } from './refresh-scheduler.js'
import { NAME_SETTLE_DELAYS_MS, namesPending } from './room-event.js'
import { createRoomList } from './room-list.js'
import { createRoom, deleteRoom, fetchRooms, renameRoom, type RoomListing } from './rooms-api.js'

/** Pushes of one burst (several people joining at once) share one fetch. */
const PUSH_DEBOUNCE_MS = 250
/** Only a safety net: changes arrive as pushes. */
const FALLBACK_REFRESH_MS = 30_000
const RETRY_MS = 5_000
const LIST_LIMIT = 50

/** Render the home page into the shell and keep its list fresh; `token` is the page's sign-in (secure mode). */
export function renderHomePage(shell: AppShell, token: string | null): void {
  document.title = 'Tandem: write together'
  shell.context.replaceChildren()
  shell.actions.replaceChildren()
  // `refresh` is defined below; the actions run on clicks, after it exists.
  const listProblem = h('p', { class: 'field-error', role: 'alert' })
  const roomList = createRoomList({
    rename: (room) => {
      const title = prompt(`New title for ${room.name} (empty: its first heading or line)`, room.title)
      if (title === null) return
      renameRoom(room.name, title, token).then(
        () => scheduler.poke(),
        (error: unknown) => (listProblem.textContent = (error as Error).message),
      )
    },
    delete: (room) => {
      if (
        !confirm(
          `Delete “${room.title || room.name}” for everyone? Anyone in it sees that it was deleted. It goes to the trash with its history and comments, where an administrator can restore it.`,
        )
      )
        return
      deleteRoom(room.name, token).then(
        () => scheduler.poke(),
        (error: unknown) => (listProblem.textContent = (error as Error).message),
      )
    },
  })
  // Search as you type (a pause ends a query), and the order of the list.
  const searchField = h('input', {
    type: 'search',
    class: 'room-search',
    placeholder: 'Search titles and text',
    'aria-label': 'Search documents',
    maxlength: '200',
  })
  const sortField = h(
    'select',
    { class: 'room-sort', 'aria-label': 'Order' },
    h('option', { value: 'activity' }, 'Recent activity'),
    h('option', { value: 'name' }, 'Name'),
  )
  const heading = h('h2', { id: 'recent-title' }, 'Recent documents')
  const offline = createOfflineCopiesPanel(copyScope(token))
  shell.main.replaceChildren(
    h(
      'div',
      { class: 'home' },
      h(
        'section',
        { class: 'hero' },
        h('h1', {}, 'Write together, in real time.'),
        h(
          'p',
          { class: 'lede' },
          'Start a document and share its link. Everyone who opens it edits the same page, and sees who else is there.',
        ),
        createDocumentForm({
          create: (room) => createRoom(room, token),
          open: (room) => location.assign(`/d/${encodeURIComponent(room)}`),
        }),
        createImportButton({
          create: (room, content) => createRoom(room, token, content),
          open: (room) => location.assign(`/d/${encodeURIComponent(room)}`),
        }),
      ),
      h(
        'section',
        { class: 'recent', 'aria-labelledby': 'recent-title' },
        h('div', { class: 'recent-head' }, heading, h('div', { class: 'recent-tools' }, searchField, sortField)),
        listProblem,
        roomList.element,
      ),
      offline.element,
    ),
  )
  // Focus invites typing a name; on touch screens it would also throw the keyboard over the list.
  if (matchMedia('(pointer: fine)').matches) document.getElementById('new-document-name')?.focus()

  let rooms: RoomListing[] | null = null
  const refresh = async (): Promise<boolean> => {
    let problem: string | null = null
    try {
      const query = searchField.value.trim()
      rooms = await fetchRooms(LIST_LIMIT, token, { query, sort: sortField.value === 'name' ? 'name' : 'activity' })
      heading.textContent = query ? `Documents matching “${query.slice(0, 60)}”` : 'Recent documents'
    } catch {
      problem = 'Cannot reach the server right now. Retrying…'
    }
    const query = searchField.value.trim()
    roomList.update(rooms, problem, Date.now(), query ? `No document holds “${query.slice(0, 60)}”.` : undefined)
    return problem === null
  }
  const scheduler = createRefreshScheduler({
    refresh,
    debounceMs: PUSH_DEBOUNCE_MS,
    fallbackMs: FALLBACK_REFRESH_MS,
    retryMs: RETRY_MS,
    isVisible: () => document.visibilityState === 'visible',
  })
  shell.notifications.watch('room:*', (message) => {
    scheduler.poke()
    if (namesPending(message.data)) for (const delay of NAME_SETTLE_DELAYS_MS) setTimeout(() => scheduler.poke(), delay)
  })
  shell.notifications.onLive(() => scheduler.poke())
  document.addEventListener('visibilitychange', () => scheduler.visibilityChanged())
  scheduler.start()
  let typing: ReturnType<typeof setTimeout> | undefined
  searchField.addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(() => scheduler.poke(), 250)
  })
  sortField.addEventListener('change', () => scheduler.poke())
}

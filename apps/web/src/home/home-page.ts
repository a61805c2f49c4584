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
import { createRoom, fetchRooms, type RoomListing } from './rooms-api.js'

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
  const roomList = createRoomList()
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
        h('h2', { id: 'recent-title' }, 'Recent documents'),
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
      rooms = await fetchRooms(LIST_LIMIT, token)
    } catch {
      problem = 'Cannot reach the server right now. Retrying…'
    }
    roomList.update(rooms, problem, Date.now())
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
}

/**
 * `/`: start a new document or open a recent one. The list is polled every two seconds while the
 * tab is visible (a later version will push changes instead), and not at all while it is hidden.
 */
import type { AppShell } from '../shell/app-shell.js'
import { h } from '../shell/element.js'
import { createDocumentForm } from './create-document-form.js'
import { createRoomList } from './room-list.js'
import { fetchRooms, type RoomListing } from './rooms-api.js'

const REFRESH_MS = 2_000
const LIST_LIMIT = 50

/** Render the home page into the shell and keep its list fresh. */
export function renderHomePage(shell: AppShell): void {
  document.title = 'Tandem: write together'
  shell.context.replaceChildren()
  shell.actions.replaceChildren()
  const roomList = createRoomList()
  shell.main.replaceChildren(
    h(
      'div',
      { class: 'home' },
      h(
        'section',
        { class: 'hero' },
        h('h1', {}, 'Write together, in real time.'),
        h('p', { class: 'lede' }, 'Start a document and share its link. Everyone who opens it edits the same page, and sees who else is there.'),
        createDocumentForm((room) => location.assign(`/d/${encodeURIComponent(room)}`)),
      ),
      h('section', { class: 'recent', 'aria-labelledby': 'recent-title' }, h('h2', { id: 'recent-title' }, 'Recent documents'), roomList.element),
    ),
  )
  // Focus invites typing a name; on touch screens it would also throw the keyboard over the list.
  if (matchMedia('(pointer: fine)').matches) document.getElementById('new-document-name')?.focus()

  let rooms: RoomListing[] | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let loading = false

  const refresh = async (): Promise<void> => {
    timer = null
    loading = true
    let problem: string | null = null
    try {
      rooms = await fetchRooms(LIST_LIMIT)
    } catch {
      problem = 'Cannot reach the server right now. Retrying…'
    }
    loading = false
    roomList.update(rooms, problem, Date.now())
    schedule()
  }
  const schedule = (): void => {
    if (timer || loading || document.visibilityState !== 'visible') return
    timer = setTimeout(() => void refresh(), REFRESH_MS)
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') {
      if (timer) clearTimeout(timer)
      timer = null
    } else if (!timer && !loading) {
      void refresh()
    }
  })
  void refresh()
}

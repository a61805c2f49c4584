/**
 * "On this device": the documents this browser keeps for offline use, with how many changes wait
 * for the server, a "Forget" button for each (the server's document is untouched), and how much of
 * the browser's storage the site uses. Works without a network: everything here is local.
 */
import { forgetLocalCopy, localCopies, type LocalCopy, storageUse } from '../offline/local-copies.js'
import { h } from '../shell/element.js'
import { formatBytes } from '../shell/quantity-format.js'

/** The panel for `scope`'s copies; `refresh()` reads the index again. */
export function createOfflineCopiesPanel(scope: string): { element: HTMLElement; refresh(): void } {
  const list = h('ul', { class: 'offline-list', 'aria-label': 'Documents on this device' })
  const note = h('p', { class: 'field-hint offline-note' })
  const element = h(
    'section',
    { class: 'offline-copies', 'aria-labelledby': 'offline-title', hidden: true },
    h('h2', { id: 'offline-title' }, 'On this device'),
    h('p', { class: 'field-hint' }, 'These open without a network; changes made offline are sent when you are back.'),
    list,
    note,
  )

  const row = (copy: LocalCopy): HTMLElement => {
    const forget = h(
      'button',
      { type: 'button', class: 'button subtle offline-forget', 'aria-label': `Forget the copy of ${copy.room}` },
      'Forget',
    )
    forget.addEventListener('click', () => {
      const warning = copy.unsaved > 0 ? `\n\n${copy.unsaved} changes in it have not reached the server and will be lost.` : ''
      if (!confirm(`Remove ${copy.room} from this device? The document on the server stays.${warning}`)) return
      forget.disabled = true
      void forgetLocalCopy(scope, copy.room).finally(refresh)
    })
    return h(
      'li',
      { class: 'offline-item', 'data-room': copy.room },
      h('a', { href: `/d/${encodeURIComponent(copy.room)}`, class: 'offline-link' }, copy.room),
      h(
        'span',
        { class: copy.unsaved > 0 ? 'offline-state has-unsaved' : 'offline-state' },
        copy.unsaved > 0 ? `${copy.unsaved} ${copy.unsaved === 1 ? 'change' : 'changes'} not saved yet` : 'Available offline',
      ),
      forget,
    )
  }

  const refresh = (): void => {
    const copies = localCopies(scope)
    element.hidden = copies.length === 0
    list.replaceChildren(...copies.map(row))
    void storageUse().then((use) => {
      note.textContent = use
        ? `This site uses ${formatBytes(use.usage)} of the ${formatBytes(use.quota)} this browser allows it. The browser may clear it when the disk runs low.`
        : ''
    })
  }
  refresh()
  return { element, refresh }
}

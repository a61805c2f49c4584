/**
 * The header bell: the unread count as a badge, and the inbox panel it opens. Closes like the
 * identity menu does (Escape, a click elsewhere, focus leaving), and re-renders the panel on open so
 * "5 minutes ago" is true when it is read.
 */
import { h, icon } from '../shell/element.js'
import { createInboxPanel } from './inbox-panel.js'
import type { InboxStore } from './inbox-store.js'
import { BELL_ICON } from './notification-icons.js'

/** The bell and what the rest of the notification UI needs from it. */
export interface NotificationBell {
  element: HTMLElement
  open(): void
  /** Show whether notifications can arrive now (`data-status` on the button, a note in the panel). */
  setStatus(status: string): void
}

/** Badge text: the count, or "99+" so the badge keeps its size. */
function badgeText(unread: number): string {
  return unread > 99 ? '99+' : String(unread)
}

/** The bell for `inbox`. */
export function createNotificationBell(inbox: InboxStore): NotificationBell {
  const panel = createInboxPanel(inbox, 'notification-inbox')
  const badge = h('span', { class: 'bell-badge', 'aria-hidden': 'true', hidden: true })
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'bell-toggle',
      'aria-expanded': 'false',
      'aria-haspopup': 'dialog',
      'aria-controls': 'notification-inbox',
      'data-status': 'idle',
    },
    icon(BELL_ICON),
    badge,
  )
  const element = h('div', { class: 'notification-menu' }, toggle, panel.element)

  const renderBadge = (): void => {
    const unread = inbox.unreadCount
    badge.hidden = unread === 0
    badge.textContent = badgeText(unread)
    const label = unread === 0 ? 'Notifications' : `Notifications, ${unread} unread`
    toggle.setAttribute('aria-label', label)
    toggle.title = label
  }

  const open = (): void => {
    if (!panel.element.hidden) return
    panel.render()
    panel.element.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    panel.element.focus()
  }
  const close = (): void => {
    if (panel.element.hidden) return
    panel.element.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
  }

  toggle.addEventListener('click', () => (panel.element.hidden ? open() : close()))
  element.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || panel.element.hidden) return
    event.preventDefault()
    close()
    toggle.focus()
  })
  element.addEventListener('focusout', (event) => {
    const next = event.relatedTarget as Node | null
    // `null` is a click on something unfocusable (page text): the pointerdown handler decides then.
    if (next && !element.contains(next)) close()
  })
  document.addEventListener('pointerdown', (event) => {
    if (!element.contains(event.target as Node)) close()
  })

  inbox.subscribe(() => {
    renderBadge()
    if (!panel.element.hidden) panel.render()
  })
  renderBadge()

  return {
    element,
    open,
    setStatus(status) {
      toggle.dataset.status = status
      panel.setOnline(status !== 'offline')
    },
  }
}

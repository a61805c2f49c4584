/**
 * Toasts: short-lived cards in a corner for notifications that arrive while the page is open.
 * A polite live region, so screen readers announce them without interrupting; each goes away after
 * a few seconds, but not while the pointer or focus is on it (nobody should lose a message they are
 * reading), and only a few are shown at once, the oldest giving way.
 */
import { h, icon } from '../shell/element.js'
import { CLOSE_ICON, INFO_ICON, NOTICE_ICON, WARNING_ICON } from './notification-icons.js'
import type { NotificationLevel } from './notification-text.js'

/** What one toast shows and what happens around it. */
interface ToastContent {
  title: string | null
  text: string
  level: NotificationLevel | 'notice'
  /** A button in the toast, e.g. "Open inbox". */
  action?: { label: string; run(): void }
  /** Called once when the toast goes; `byUser` when its close button was used. */
  onDismiss?: (byUser: boolean) => void
}

/** The toast region and how to add to it. */
export interface ToastRegion {
  element: HTMLElement
  show(content: ToastContent): void
}

/** Options of {@link createToastRegion}. */
export interface ToastRegionOptions {
  /** How long a toast stays, not counting time under the pointer or focus. Default 6 s. */
  durationMs?: number
  /** Most toasts shown at once. Default 4. */
  maxVisible?: number
}

/** Matches the exit transition in notifications.css. */
const EXIT_MS = 180

const LEVEL_ICONS = { info: INFO_ICON, warning: WARNING_ICON, notice: NOTICE_ICON } as const

/** An empty region; append `element` to the page once. */
export function createToastRegion(options: ToastRegionOptions = {}): ToastRegion {
  const durationMs = options.durationMs ?? 6_000
  const maxVisible = options.maxVisible ?? 4
  const list = h('ol', { class: 'toast-list' })
  const element = h(
    'section',
    { class: 'toast-region', role: 'region', 'aria-label': 'Notifications', 'aria-live': 'polite', 'aria-relevant': 'additions text' },
    list,
  )
  const dismissers = new Map<HTMLElement, (byUser: boolean) => void>()

  const show = (content: ToastContent): void => {
    const close = h(
      'button',
      { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss notification', title: 'Dismiss' },
      icon(CLOSE_ICON),
    )
    const body = h(
      'div',
      { class: 'toast-body' },
      content.title ? h('p', { class: 'toast-title' }, content.title) : null,
      content.text ? h('p', { class: 'toast-text' }, content.text) : null,
    )
    if (content.action) {
      const action = content.action
      const onclick = (): void => {
        action.run()
        dismiss(true)
      }
      body.append(h('button', { type: 'button', class: 'toast-action', onclick }, action.label))
    }
    const toast = h(
      'li',
      { class: 'toast', 'data-testid': 'toast', 'data-level': content.level },
      h('span', { class: 'toast-icon' }, icon(LEVEL_ICONS[content.level])),
      body,
      close,
    )

    let remaining = durationMs
    let startedAt = 0
    let timer: ReturnType<typeof setTimeout> | null = null
    let held = 0
    const run = (): void => {
      startedAt = Date.now()
      timer = setTimeout(() => dismiss(false), remaining)
    }
    // Hover and focus can overlap; the clock runs again only when neither holds the toast.
    const hold = (): void => {
      if (held++ > 0 || !timer) return
      clearTimeout(timer)
      timer = null
      remaining = Math.max(1_500, remaining - (Date.now() - startedAt))
    }
    const release = (): void => {
      if (--held > 0) return
      held = 0
      if (!timer && dismissers.has(toast)) run()
    }
    const dismiss = (byUser: boolean): void => {
      if (!dismissers.delete(toast)) return
      if (timer) clearTimeout(timer)
      timer = null
      toast.classList.add('is-leaving')
      setTimeout(() => toast.remove(), EXIT_MS)
      content.onDismiss?.(byUser)
    }

    toast.addEventListener('pointerenter', hold)
    toast.addEventListener('pointerleave', release)
    toast.addEventListener('focusin', (event) => {
      if (!toast.contains(event.relatedTarget as Node | null)) hold()
    })
    toast.addEventListener('focusout', (event) => {
      if (!toast.contains(event.relatedTarget as Node | null)) release()
    })
    close.addEventListener('click', () => dismiss(true))
    dismissers.set(toast, dismiss)
    list.append(toast)
    run()

    // The oldest give way; they stay in the inbox.
    const overflow = dismissers.size - maxVisible
    if (overflow > 0) [...dismissers.values()].slice(0, overflow).forEach((dismissOldest) => dismissOldest(false))
  }

  return { element, show }
}

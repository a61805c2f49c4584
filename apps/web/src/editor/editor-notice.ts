/**
 * A short-lived line under the toolbar for what the editor did not do (an image left out of a
 * paste), announced politely to screen readers and gone after a few seconds.
 */
import { h } from '../shell/element.js'

/** How long a notice stays. */
const NOTICE_MS = 8_000

/** The notice line and the function that shows a message in it. */
export function createEditorNotice(): { element: HTMLElement; show(message: string): void } {
  const text = h('span', {})
  const close = h('button', { type: 'button', class: 'editor-notice-close', 'aria-label': 'Dismiss' }, '×')
  const element = h('p', { class: 'editor-notice', role: 'status', hidden: true }, text, close)
  let timer: ReturnType<typeof setTimeout> | null = null
  const hide = (): void => {
    element.hidden = true
    if (timer) clearTimeout(timer)
    timer = null
  }
  close.addEventListener('click', hide)
  return {
    element,
    show(message) {
      text.textContent = message
      element.hidden = false
      if (timer) clearTimeout(timer)
      timer = setTimeout(hide, NOTICE_MS)
    },
  }
}

/**
 * "Copy link": the page address is the share link. Uses the async clipboard where the page may
 * (secure contexts), otherwise the old selection-and-copy trick, and as a last resort selects the
 * address in a field so it can be copied by hand.
 */
import { h, icon } from '../shell/element.js'

const COPY_ICON =
  '<path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71"/><path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71"/>'

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // Permission refused: fall through to the older way.
  }
  const field = h('textarea', { readonly: true, 'aria-hidden': 'true', class: 'offscreen' })
  field.value = text
  document.body.append(field)
  field.select()
  let copied: boolean
  try {
    copied = document.execCommand('copy')
  } catch {
    copied = false
  }
  field.remove()
  return copied
}

/** A button that copies `url()` and says so. */
export function createCopyLinkButton(url: () => string): HTMLElement {
  const label = h('span', { class: 'copy-label' }, 'Copy link')
  const button = h(
    'button',
    { type: 'button', class: 'button subtle copy-link', title: 'Copy the link to this document' },
    icon(COPY_ICON),
    label,
  )
  const manual = h('input', { class: 'copy-manual', type: 'text', readonly: true, 'aria-label': 'Link to this document', hidden: true })
  let reset: ReturnType<typeof setTimeout> | null = null

  button.addEventListener('click', async () => {
    const copied = await copyText(url())
    if (copied) {
      label.textContent = 'Copied!'
      button.classList.add('is-done')
      if (reset) clearTimeout(reset)
      reset = setTimeout(() => {
        label.textContent = 'Copy link'
        button.classList.remove('is-done')
      }, 2000)
      return
    }
    manual.value = url()
    manual.hidden = false
    manual.focus()
    manual.select()
  })
  manual.addEventListener('blur', () => (manual.hidden = true))
  return h('div', { class: 'copy-link-wrap' }, button, manual)
}

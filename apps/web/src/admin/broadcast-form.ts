/**
 * "Announce to everyone": a title (optional), a message and a level, published on the `broadcast`
 * channel that every open Tandem page listens to. Says when it was sent, or why it was not.
 */
import { h } from '../shell/element.js'
import type { Announcement } from './admin-api.js'

const MESSAGE_MAX = 2000
const TITLE_MAX = 200

/** The form; `send` publishes an announcement and rejects with a readable error. */
export function createBroadcastForm(send: (announcement: Announcement) => Promise<void>): HTMLElement {
  const title = h('input', {
    id: 'broadcast-title',
    name: 'title',
    type: 'text',
    class: 'text-input',
    maxlength: TITLE_MAX,
    autocomplete: 'off',
  })
  const message = h('textarea', {
    id: 'broadcast-message',
    name: 'message',
    class: 'text-input',
    rows: 3,
    maxlength: MESSAGE_MAX,
    required: true,
    'aria-describedby': 'broadcast-counter',
  })
  const counter = h('span', { id: 'broadcast-counter', class: 'field-counter' }, `0 / ${MESSAGE_MAX}`)
  const level = (value: Announcement['level'], label: string, checked: boolean): HTMLElement =>
    h('label', { class: `level-option is-${value}` }, h('input', { type: 'radio', name: 'level', value, checked }), h('span', {}, label))
  const feedback = h('p', { class: 'form-feedback', role: 'status' })
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Send announcement')
  const form = h(
    'form',
    { class: 'broadcast-form', novalidate: true, 'aria-labelledby': 'broadcast-heading' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'broadcast-title', class: 'field-label' }, 'Title ', h('span', { class: 'optional' }, '(optional)')),
      title,
    ),
    h(
      'div',
      { class: 'field' },
      h('div', { class: 'label-row' }, h('label', { for: 'broadcast-message', class: 'field-label' }, 'Message'), counter),
      message,
    ),
    h(
      'fieldset',
      { class: 'level-field' },
      h('legend', { class: 'field-label' }, 'Level'),
      level('info', 'Info', true),
      level('warning', 'Warning', false),
    ),
    h('div', { class: 'form-actions' }, submit, feedback),
  )
  const section = h(
    'section',
    { class: 'admin-card broadcast-card', 'aria-labelledby': 'broadcast-heading' },
    h('div', { class: 'card-head' }, h('h2', { id: 'broadcast-heading', class: 'card-title' }, 'Announce to everyone')),
    h('p', { class: 'card-intro' }, 'Shown as a notification on every Tandem page that is open now.'),
    form,
  )

  const showFeedback = (text: string, tone: 'ok' | 'error'): void => {
    feedback.textContent = text
    feedback.dataset.tone = tone
  }
  message.addEventListener('input', () => {
    counter.textContent = `${message.value.length} / ${MESSAGE_MAX}`
    message.removeAttribute('aria-invalid')
    if (feedback.dataset.tone === 'error') showFeedback('', 'ok')
  })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const text = message.value.trim()
    if (text === '') {
      message.setAttribute('aria-invalid', 'true')
      showFeedback('Write a message first.', 'error')
      message.focus()
      return
    }
    const chosen = (form.elements.namedItem('level') as RadioNodeList).value === 'warning' ? 'warning' : 'info'
    const heading = title.value.trim()
    submit.disabled = true
    showFeedback('Sending…', 'ok')
    try {
      await send({ message: text, level: chosen, ...(heading ? { title: heading } : {}) })
      form.reset()
      counter.textContent = `0 / ${MESSAGE_MAX}`
      showFeedback(
        `Announcement sent at ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}. It is in your inbox too.`,
        'ok',
      )
    } catch (error) {
      showFeedback(`Not sent: ${(error as Error).message}.`, 'error')
    } finally {
      submit.disabled = false
    }
  })
  return section
}

/**
 * "New document": a name field that suggests a random readable name and checks a typed one as you
 * type, with the server's own rules (`roomNameProblem`), so a bad name is explained before it is used.
 * Submitting creates the document on the server first: a name already taken is said so, with a link
 * to open that document, instead of silently opening someone else's.
 */
import { roomNameProblem } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { readableRoomName } from './readable-room-name.js'
import type { CreateOutcome } from './rooms-api.js'

/** What the form does with a valid name. */
export interface CreateDocumentActions {
  /** Create the document on the server; throws with a readable reason when it cannot. */
  create(room: string): Promise<CreateOutcome>
  /** Go to the document. */
  open(room: string): void
}

/** The form. */
export function createDocumentForm(actions: CreateDocumentActions): HTMLFormElement {
  let suggestion = readableRoomName()
  const input = h('input', {
    id: 'new-document-name',
    name: 'room',
    type: 'text',
    placeholder: suggestion,
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    'aria-describedby': 'new-document-hint new-document-error',
  })
  const error = h('p', { id: 'new-document-error', class: 'field-error', role: 'alert' })
  const shuffle = h('button', { type: 'button', class: 'button subtle shuffle', title: 'Suggest another name' }, 'Shuffle')
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Create document')
  const form = h(
    'form',
    { class: 'create-form', novalidate: true, 'aria-label': 'New document' },
    h('label', { for: 'new-document-name', class: 'field-label' }, 'Name your document'),
    h(
      'div',
      { class: 'create-row' },
      h('div', { class: 'name-field' }, h('span', { class: 'name-prefix', 'aria-hidden': 'true' }, '/d/'), input, shuffle),
      submit,
    ),
    h(
      'p',
      { id: 'new-document-hint', class: 'field-hint' },
      'Leave it empty to use the suggested name. Letters, digits, dot, dash and underscore.',
    ),
    error,
  )

  const check = (): string | null => {
    const typed = input.value.trim()
    const problem = typed === '' ? null : roomNameProblem(typed)
    error.textContent = problem ? problem.charAt(0).toUpperCase() + problem.slice(1) : ''
    input.setAttribute('aria-invalid', String(problem !== null))
    return problem
  }

  input.addEventListener('input', check)
  shuffle.addEventListener('click', () => {
    suggestion = readableRoomName()
    input.placeholder = suggestion
    input.value = ''
    check()
    input.focus()
  })
  /** Say that `room` exists, with a link to it; typing another name clears it. */
  const taken = (room: string): void => {
    const link = h('a', { href: `/d/${encodeURIComponent(room)}` }, `open ${room}`)
    error.replaceChildren(`A document named ${room} already exists. Pick another name, or `, link, '.')
    input.setAttribute('aria-invalid', 'true')
    input.focus()
    input.select()
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (submit.disabled) return
    if (check()) {
      input.focus()
      return
    }
    const room = input.value.trim() || suggestion
    submit.disabled = true
    submit.textContent = 'Creating…'
    void actions
      .create(room)
      .then(
        (outcome) => {
          if (outcome === 'created') return actions.open(room)
          // A suggestion that happens to be taken goes into the field, so it can be edited like a typed name.
          if (input.value.trim() === '') input.value = room
          taken(room)
        },
        (problem: unknown) => {
          error.textContent = problem instanceof Error ? problem.message : 'Could not create the document'
          input.focus()
        },
      )
      .finally(() => {
        submit.disabled = false
        submit.textContent = 'Create document'
      })
  })
  return form
}

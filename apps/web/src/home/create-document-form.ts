/**
 * "New document": a name field that suggests a random readable name and checks a typed one as you
 * type, with the server's own rules (`roomNameProblem`), so a bad name is explained before it is used.
 */
import { roomNameProblem } from '@tandem/protocol'
import { h } from '../shell/element.js'
import { readableRoomName } from './readable-room-name.js'

/** The form; `open(name)` is called with a valid room name when it is submitted. */
export function createDocumentForm(open: (room: string) => void): HTMLFormElement {
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
  const form = h(
    'form',
    { class: 'create-form', novalidate: true, 'aria-label': 'New document' },
    h('label', { for: 'new-document-name', class: 'field-label' }, 'Name your document'),
    h(
      'div',
      { class: 'create-row' },
      h('div', { class: 'name-field' }, h('span', { class: 'name-prefix', 'aria-hidden': 'true' }, '/d/'), input, shuffle),
      h('button', { type: 'submit', class: 'button primary' }, 'Create document'),
    ),
    h('p', { id: 'new-document-hint', class: 'field-hint' }, 'Leave it empty to use the suggested name. Letters, digits, dot, dash and underscore.'),
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
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (check()) {
      input.focus()
      return
    }
    open(input.value.trim() || suggestion)
  })
  return form
}

/**
 * The console's sign-in card: one field for the administrator token. The token is checked against
 * the server before it is kept, so a typo is reported here and not as an empty console.
 */
import { h } from '../shell/element.js'

/** Why the card is shown: a note above the field (signed out, token no longer accepted…). */
export interface SignInNotice {
  text: string
  tone: 'info' | 'error'
}

/**
 * The sign-in card. `signIn` resolves with an error message to show, or `null` when the token
 * was accepted (the page then replaces the card).
 */
export function createSignInView(signIn: (token: string) => Promise<string | null>, notice: SignInNotice | null = null): HTMLElement {
  const input = h('input', {
    id: 'admin-token',
    name: 'token',
    type: 'password',
    class: 'text-input',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'admin-token-hint',
  })
  const error = h('p', { class: 'field-error', role: 'alert' })
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in')
  const form = h(
    'form',
    { class: 'sign-in-form', novalidate: true, 'aria-label': 'Sign in' },
    h('label', { for: 'admin-token', class: 'field-label' }, 'Admin token'),
    h('div', { class: 'sign-in-row' }, input, submit),
    error,
    h(
      'p',
      { id: 'admin-token-hint', class: 'field-hint' },
      'The server’s ',
      h('code', {}, 'ADMIN_TOKEN'),
      '. Without one, the server made a token at its first start and printed a sign-in link (',
      h('code', {}, '/admin#token=…'),
      ') in its log; the token is also in ',
      h('code', {}, 'DATA_DIR/admin-token'),
      '.',
    ),
  )
  const card = h(
    'section',
    { class: 'admin-sign-in' },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'lede' }, 'Rooms, connections and server health, live. Sign in with the administrator token.'),
    notice ? h('p', { class: `sign-in-notice is-${notice.tone}`, role: notice.tone === 'error' ? 'alert' : 'status' }, notice.text) : null,
    form,
  )

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const token = input.value.trim()
    if (token === '') {
      error.textContent = 'Enter the admin token.'
      input.focus()
      return
    }
    submit.disabled = true
    error.textContent = ''
    const problem = await signIn(token)
    submit.disabled = false
    if (problem === null) return
    error.textContent = problem
    input.setAttribute('aria-invalid', 'true')
    input.select()
  })
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'))
  // Focus only where a keyboard is likely; on phones it would throw the keyboard over the hint.
  queueMicrotask(() => {
    if (matchMedia('(pointer: fine)').matches) input.focus()
  })
  return card
}

/** A page that only explains something, with a way back home: bad document addresses, unknown paths. */
import type { AppShell } from '../shell/app-shell.js'
import { h } from '../shell/element.js'

/** Render a message with `title` and `body` into the shell, with `extra` (e.g. a copy of a lost document) below. */
export function renderMessagePage(shell: AppShell, title: string, body: string, extra?: HTMLElement): void {
  document.title = `${title} · Tandem`
  shell.main.replaceChildren(
    h(
      'section',
      { class: 'message-page' },
      h('h1', {}, title),
      h('p', {}, body),
      h('a', { class: extra ? 'button subtle' : 'button primary', href: '/' }, 'Go to your documents'),
    ),
    ...(extra ? [extra] : []),
  )
}

/** The row of avatars of everyone in the document, kept in step with awareness. */
import type { Awareness } from 'y-protocols/awareness'

import { createAvatar } from '../shell/avatar.js'
import { h } from '../shell/element.js'
import { presentPeople } from './presence.js'

const MAX_SHOWN = 5

/** A live who-is-here list for `awareness`; returns the element and a function that stops it. */
export function createPresenceList(awareness: Awareness): { element: HTMLElement; destroy(): void } {
  const list = h('ul', { class: 'presence', 'aria-label': 'People here' })
  let last = ''

  const render = (): void => {
    const people = presentPeople(awareness.getStates(), awareness.clientID)
    // Awareness changes on every cursor move; only names and colours matter here.
    const signature = JSON.stringify(people)
    if (signature === last) return
    last = signature
    const shown = people.slice(0, MAX_SHOWN)
    const items = shown.map((person) => {
      const label = person.isSelf ? `${person.name} (you)` : person.name
      const avatar = createAvatar(person, 30)
      avatar.title = label
      return h('li', { class: person.isSelf ? 'is-self' : '', 'aria-label': label }, avatar)
    })
    const hidden = people.slice(MAX_SHOWN)
    if (hidden.length > 0) {
      items.push(
        h(
          'li',
          { class: 'presence-more', title: hidden.map((person) => person.name).join(', '), 'aria-label': `${hidden.length} more` },
          `+${hidden.length}`,
        ),
      )
    }
    list.replaceChildren(...items)
  }

  awareness.on('change', render)
  render()
  return { element: list, destroy: () => awareness.off('change', render) }
}

/**
 * The header control showing who you are, with a small panel to change your name and colour.
 * Changes apply as you make them, so others see the new name next to your cursor at once. The
 * colours are a radio group (one tab stop, arrow keys move and pick); Escape anywhere in the panel,
 * or Enter in the name, closes it and returns focus to the button.
 */
import { cleanName, NAME_MAX_LENGTH } from '../identity/identity.js'
import type { IdentityStore } from '../identity/identity-store.js'
import { PALETTE, PALETTE_NAMES, readableTextColor } from '../identity/palette.js'
import { createAvatar } from './avatar.js'
import { h } from './element.js'

/**
 * The identity button and its panel; with `signOut` (secure mode), the panel offers "Sign out",
 * which also removes the documents this browser kept for the person.
 */
export function createIdentityMenu(store: IdentityStore, signOut?: () => Promise<void>): HTMLElement {
  const nameLabel = h('span', { class: 'identity-name' })
  const avatarSlot = h('span', { class: 'identity-avatar', 'aria-hidden': 'true' })
  // The avatar is drawn over the button, not in it: its initials are not part of the button's name.
  const toggle = h(
    'button',
    { class: 'identity-toggle', type: 'button', 'aria-expanded': 'false', 'aria-haspopup': 'true', title: 'Change your name and colour' },
    nameLabel,
  )
  const nameInput = h('input', {
    id: 'identity-name-input',
    type: 'text',
    maxlength: NAME_MAX_LENGTH,
    autocomplete: 'nickname',
    spellcheck: 'false',
  })
  const swatches = h('div', { class: 'swatches', role: 'radiogroup', 'aria-label': 'Colour' })
  const panel = h(
    'div',
    { class: 'identity-panel', role: 'dialog', 'aria-label': 'Your name and colour', hidden: true },
    h('label', { for: 'identity-name-input' }, 'Your name'),
    nameInput,
    h('span', { class: 'panel-label' }, 'Colour'),
    swatches,
    h('p', { class: 'panel-hint' }, 'Others see this name next to your cursor.'),
  )
  if (signOut) {
    const signOutButton = h('button', { type: 'button', class: 'button subtle identity-sign-out' }, 'Sign out')
    signOutButton.addEventListener('click', () => {
      signOutButton.disabled = true
      void signOut()
    })
    panel.append(h('p', { class: 'panel-hint' }, 'Signing out removes the documents kept on this device for you.'), signOutButton)
  }
  const root = h('div', { class: 'identity-menu' }, toggle, avatarSlot, panel)

  for (const color of PALETTE) {
    const swatch = h('button', {
      class: 'swatch',
      type: 'button',
      role: 'radio',
      'aria-label': PALETTE_NAMES[color],
      title: PALETTE_NAMES[color],
      'data-color': color,
    })
    swatch.style.setProperty('--swatch', color)
    swatch.style.setProperty('--swatch-text', readableTextColor(color))
    swatch.addEventListener('click', () => store.set({ ...store.get(), color }))
    swatches.append(swatch)
  }

  const render = (): void => {
    const { name, color } = store.get()
    nameLabel.textContent = name
    toggle.setAttribute('aria-label', `Your name and colour: ${name}`)
    avatarSlot.replaceChildren(createAvatar({ name, color }, 26))
    if (document.activeElement !== nameInput) nameInput.value = name
    const chosen = PALETTE.some((entry) => entry === color) ? color : PALETTE[0]
    for (const swatch of swatches.children) {
      const isChosen = (swatch as HTMLElement).dataset.color === color
      swatch.setAttribute('aria-checked', String(isChosen))
      // One tab stop for the group: the chosen colour (the first when the colour is not in the palette).
      swatch.setAttribute('tabindex', (swatch as HTMLElement).dataset.color === chosen ? '0' : '-1')
    }
  }

  swatches.addEventListener('keydown', (event) => {
    const all = [...swatches.children] as HTMLButtonElement[]
    const at = all.indexOf(event.target as HTMLButtonElement)
    if (at < 0) return
    const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    const target = all[(next + all.length) % all.length]!
    store.set({ ...store.get(), color: target.dataset.color! })
    target.focus()
  })

  const open = (): void => {
    panel.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    nameInput.focus()
    nameInput.select()
  }
  const close = (): void => {
    if (panel.hidden) return
    panel.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
    render()
  }

  toggle.addEventListener('click', () => (panel.hidden ? open() : close()))
  nameInput.addEventListener('input', () => {
    const name = cleanName(nameInput.value)
    if (name) store.set({ ...store.get(), name })
  })
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' || (event.key === 'Enter' && event.target === nameInput)) {
      event.preventDefault()
      close()
      toggle.focus()
    }
  })
  root.addEventListener('focusout', (event) => {
    if (!root.contains(event.relatedTarget as Node | null)) close()
  })
  document.addEventListener('pointerdown', (event) => {
    if (!root.contains(event.target as Node)) close()
  })

  store.subscribe(render)
  render()
  return root
}

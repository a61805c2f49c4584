/**
 * The formatting toolbar: buttons that show whether their format is on (`aria-pressed`), grey out
 * when they cannot apply, and never take focus away from the text (so your cursor stays visible to
 * others). Arrow keys move between buttons, as in any ARIA toolbar. Includes the link form.
 */
import { schema } from '@tandem/document'
import type { Command, EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

import { h, icon } from '../shell/element.js'
import { SHORTCUTS } from './editor-keymap.js'
import { isMarkActive } from './format-state.js'
import { createLinkForm } from './link-form.js'
import { isApplePlatform, shortcutLabel } from './shortcut-label.js'
import { LINK_ICON, TOOLBAR_GROUPS, type ToolbarItem } from './toolbar-items.js'

/** The toolbar element and how to keep it in step with the editor. */
export interface Toolbar {
  element: HTMLElement
  /** The link form, placed by the page next to the toolbar (a scrolling toolbar would clip it). */
  linkForm: HTMLElement
  /** Refresh pressed and disabled states for `state`. */
  update(state: EditorState): void
  /** Open the link form for the selection (the Mod-k shortcut). */
  openLinkForm: Command
}

const IMAGE_ICON = '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="1.8"/><path d="m21 16-5-5-9 9"/>'

/**
 * Build the toolbar for the editor `getView()` returns (made after the toolbar, which it needs);
 * `pickImage` opens a file picker and adds the chosen image at the selection.
 */
export function createToolbar(getView: () => EditorView, pickImage?: (view: EditorView) => void): Toolbar {
  const apple = isApplePlatform()
  const buttons: { item: ToolbarItem; button: HTMLButtonElement }[] = []
  const linkForm = createLinkForm(getView)

  const makeButton = (item: ToolbarItem): HTMLButtonElement => {
    const tooltip = item.shortcut ? `${item.label} (${shortcutLabel(item.shortcut, apple)})` : item.label
    const face =
      'svg' in item.face
        ? icon(item.face.svg)
        : h('span', { class: `face ${item.face.className ?? ''}`, 'aria-hidden': 'true' }, item.face.text)
    const button = h(
      'button',
      { type: 'button', class: 'tool', title: tooltip, 'aria-label': item.label, 'data-tool': item.id, tabindex: '-1' },
      face,
    )
    if (item.isActive) button.setAttribute('aria-pressed', 'false')
    // Pressing must not move focus out of the document, or the selection (and the cursor others see) would vanish.
    button.addEventListener('mousedown', (event) => event.preventDefault())
    button.addEventListener('click', () => {
      const view = getView()
      item.run(view.state, view.dispatch, view)
      // Back to the text, unless the button opened a form that took focus (Link): typing goes there.
      if (!item.opensForm) view.focus()
    })
    return button
  }

  const linkItem: ToolbarItem = {
    id: 'link',
    label: 'Link',
    face: { svg: LINK_ICON },
    shortcut: SHORTCUTS.link,
    run: (state, dispatch) => {
      if (dispatch) linkForm.open()
      return true
    },
    opensForm: true,
    isActive: (state) => isMarkActive(state, schema.marks.link!),
  }

  const imageItem: ToolbarItem = {
    id: 'image',
    label: 'Image',
    face: { svg: IMAGE_ICON },
    run: (state, dispatch, view) => {
      if (!pickImage || !state.selection.$from.parent.inlineContent) return false
      if (dispatch && view) pickImage(view)
      return true
    },
  }
  const groups = TOOLBAR_GROUPS.map((group, index) =>
    index === 2
      ? [...group, linkItem]
      : index === TOOLBAR_GROUPS.length - 1 && pickImage
        ? [...group.slice(0, 2), imageItem, ...group.slice(2)]
        : group,
  )
  const element = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': 'document' })
  for (const group of groups) {
    const groupElement = h('div', { class: 'tool-group', role: 'group' })
    for (const item of group) {
      const button = makeButton(item)
      buttons.push({ item, button })
      groupElement.append(button)
    }
    element.append(groupElement)
  }
  // Roving focus: one tab stop for the whole toolbar, arrows inside it. The stop is always an enabled
  // button (a disabled one cannot take focus, which would leave the toolbar out of the tab order).
  const enabledButtons = (): HTMLButtonElement[] => buttons.map(({ button }) => button).filter((button) => !button.disabled)
  const setTabStop = (target: HTMLButtonElement): void => {
    for (const { button } of buttons) button.setAttribute('tabindex', button === target ? '0' : '-1')
  }
  const keepTabStopEnabled = (): void => {
    const stop = buttons.find(({ button }) => button.getAttribute('tabindex') === '0')?.button
    if (stop && !stop.disabled) return
    const first = enabledButtons()[0]
    if (first) setTabStop(first)
  }
  element.addEventListener('keydown', (event) => {
    const enabled = enabledButtons()
    const index = enabled.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: enabled.length - 1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    const target = enabled[(next + enabled.length) % enabled.length]!
    setTabStop(target)
    target.focus()
  })

  return {
    element,
    linkForm: linkForm.element,
    update(state) {
      for (const { item, button } of buttons) {
        button.disabled = !item.run(state)
        if (item.contextual) button.hidden = button.disabled
        if (item.isActive) button.setAttribute('aria-pressed', String(item.isActive(state)))
      }
      keepTabStopEnabled()
      linkForm.update(state)
    },
    openLinkForm: linkItem.run,
  }
}

/**
 * The small form under the toolbar where a link is added, changed or removed. With text selected
 * the link goes on that text; with nothing selected the address itself is inserted as linked text.
 */
import { safeHref, schema } from '@tandem/document'
import type { EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

import { h } from '../shell/element.js'
import { removeLink, setLink } from './commands.js'

/** The link form and its controls. */
export interface LinkForm {
  element: HTMLElement
  open(): void
  update(state: EditorState): void
}

/** Build the link form for the editor `getView()` returns. */
export function createLinkForm(getView: () => EditorView): LinkForm {
  const input = h('input', {
    type: 'text',
    inputmode: 'url',
    name: 'href',
    placeholder: 'Paste or type a link',
    'aria-label': 'Link address',
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const error = h('span', { class: 'link-error', role: 'alert' })
  const removeButton = h('button', { type: 'button', class: 'button subtle' }, 'Remove')
  const element = h(
    'form',
    { class: 'link-form', hidden: true, 'aria-label': 'Link' },
    input,
    h('button', { type: 'submit', class: 'button primary' }, 'Apply'),
    removeButton,
    error,
  )

  const close = (): void => {
    element.hidden = true
    error.textContent = ''
    getView().focus()
  }

  element.addEventListener('submit', (event) => {
    event.preventDefault()
    const view = getView()
    const href = safeHref(input.value)
    if (!href) {
      error.textContent = 'Enter a web address, like example.com'
      return
    }
    if (view.state.selection.empty) {
      const link = schema.marks.link!.create({ href })
      const { from } = view.state.selection
      view.dispatch(view.state.tr.insertText(input.value.trim(), from).addMark(from, from + input.value.trim().length, link))
    } else {
      setLink(href)(view.state, view.dispatch)
    }
    close()
  })
  removeButton.addEventListener('click', () => {
    const view = getView()
    removeLink(view.state, view.dispatch)
    close()
  })
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      close()
    }
  })

  return {
    element,
    open() {
      const { state } = getView()
      const { $from } = state.selection
      const existing =
        schema.marks.link!.isInSet($from.marks()) ?? schema.marks.link!.isInSet(state.doc.nodeAt(state.selection.from)?.marks ?? [])
      input.value = existing ? String(existing.attrs.href) : ''
      error.textContent = ''
      element.hidden = false
      input.focus()
      input.select()
    },
    update(state) {
      removeButton.hidden = !removeLink(state)
    },
  }
}

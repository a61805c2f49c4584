/**
 * "Delete room?": a modal dialog that makes the administrator type the room's name before the
 * delete button works. Deleting disconnects people mid-sentence (the document itself waits in the
 * trash), so one stray click must not be enough.
 */
import { h } from '../shell/element.js'
import type { AdminRoom } from './admin-room-data.js'

/** The dialog; `open` resolves `true` once the room is deleted, `false` when cancelled. */
export interface DeleteRoomDialog {
  element: HTMLDialogElement
  open(room: AdminRoom): Promise<boolean>
}

/** A closed dialog that deletes through `deleteRoom`; a rejection is shown in the dialog. */
export function createDeleteRoomDialog(deleteRoom: (name: string) => Promise<void>): DeleteRoomDialog {
  const title = h('h2', { id: 'delete-title', class: 'dialog-title' })
  const consequence = h('p', { id: 'delete-consequence', class: 'dialog-text' })
  const nameHint = h('code', { class: 'confirm-name' })
  const input = h('input', {
    id: 'delete-confirm-name',
    type: 'text',
    class: 'text-input',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    'aria-describedby': 'delete-consequence',
  })
  const problem = h('p', { class: 'dialog-error', role: 'alert' })
  const cancel = h('button', { type: 'button', class: 'button subtle' }, 'Cancel')
  const confirm = h('button', { type: 'submit', class: 'button danger', disabled: true }, 'Delete room')
  const form = h(
    'form',
    { class: 'dialog-body', method: 'dialog', novalidate: true },
    title,
    consequence,
    h('label', { for: 'delete-confirm-name', class: 'field-label' }, 'Type ', nameHint, ' to confirm'),
    input,
    problem,
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  )
  const dialog = h('dialog', { class: 'admin-dialog', 'aria-labelledby': 'delete-title' }, form)
  let room: AdminRoom | null = null
  let settle: ((deleted: boolean) => void) | null = null
  let busy = false

  const matches = (): boolean => room !== null && input.value.trim() === room.name
  const finish = (deleted: boolean): void => {
    settle?.(deleted)
    settle = null
    room = null
    if (dialog.open) dialog.close()
  }

  input.addEventListener('input', () => {
    confirm.disabled = busy || !matches()
    problem.textContent = ''
  })
  cancel.addEventListener('click', () => finish(false))
  // Escape, or the dialog closed any other way.
  dialog.addEventListener('close', () => finish(false))
  dialog.addEventListener('cancel', (event) => {
    if (busy) event.preventDefault()
  })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!room || !matches() || busy) return
    busy = true
    confirm.disabled = true
    cancel.disabled = true
    confirm.textContent = 'Deleting…'
    try {
      await deleteRoom(room.name)
      finish(true)
    } catch (error) {
      problem.textContent = `The room was not deleted: ${(error as Error).message}.`
    } finally {
      busy = false
      cancel.disabled = false
      confirm.textContent = 'Delete room'
      confirm.disabled = !matches()
    }
  })

  return {
    element: dialog,
    open(target) {
      finish(false)
      room = target
      title.textContent = `Delete “${target.name}”?`
      const people = target.connections
      consequence.textContent =
        (people > 0
          ? `${people === 1 ? 'The one open connection is' : `All ${people} open connections are`} closed at once, and ${people === 1 ? 'that person sees' : 'they see'} that the document was deleted. `
          : '') + 'The document moves to the trash with its history, comments and images; you can restore it from there until it is purged.'
      nameHint.textContent = target.name
      input.value = ''
      problem.textContent = ''
      confirm.disabled = true
      dialog.showModal()
      input.focus()
      return new Promise((resolve) => (settle = resolve))
    },
  }
}

/**
 * "Import a file": pick a Markdown, text, HTML or Word file and get a new document made from it,
 * named after the file (`-2`, `-3`… when that name is taken), then opened.
 */
import type { ImportContent } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { IMPORT_ACCEPT, readImportFile } from './import-file.js'
import type { CreateOutcome } from './rooms-api.js'

/** How many numbered names are tried before giving up on the file's own name. */
const MAX_NAME_TRIES = 20

/** What the button does with a file it read. */
export interface ImportActions {
  create(room: string, content: ImportContent): Promise<CreateOutcome>
  open(room: string): void
}

/** The button (a label for a hidden file input) and the line that reports problems. */
export function createImportButton(actions: ImportActions): HTMLElement {
  // Hidden: the button opens it, and keeps the focus ring a file input cannot show.
  const input = h('input', { type: 'file', accept: IMPORT_ACCEPT, hidden: true, 'aria-label': 'File to import' })
  const button = h('button', { type: 'button', class: 'button subtle import-button' }, 'Import a file…')
  button.addEventListener('click', () => input.click())
  const status = h('p', { class: 'import-status', role: 'status' })
  const problem = h('p', { class: 'field-error', role: 'alert' })

  const importFile = async (file: File): Promise<void> => {
    const { name, content } = await readImportFile(file)
    for (let attempt = 1; attempt <= MAX_NAME_TRIES; attempt++) {
      const room = attempt === 1 ? name : `${name.slice(0, 60)}-${attempt}`
      if ((await actions.create(room, content)) === 'created') return actions.open(room)
    }
    throw new Error(`Documents named ${name} to ${name}-${MAX_NAME_TRIES} all exist; rename the file and try again`)
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0]
    input.value = ''
    if (!file) return
    problem.textContent = ''
    status.textContent = `Importing ${file.name}…`
    button.disabled = true
    importFile(file)
      .catch((error: unknown) => {
        problem.textContent = error instanceof Error ? error.message : `Could not import ${file.name}`
      })
      .finally(() => {
        status.textContent = ''
        button.disabled = false
      })
  })
  return h(
    'div',
    { class: 'import' },
    input,
    button,
    h('span', { class: 'field-hint' }, 'Markdown, text, HTML or Word (.docx)'),
    status,
    problem,
  )
}

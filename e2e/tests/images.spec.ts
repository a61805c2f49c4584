/**
 * Images: picked with the toolbar, uploaded, shown to everyone in the document, described for
 * screen readers, and carried inside the HTML download.
 */
import { readFile } from 'node:fs/promises'

import { expect, test, uniqueRoom } from '../fixtures/test.js'

/** A 2×2 red PNG. */
const RED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
)

test('an uploaded image appears for the other person, with the description given to it, and travels in the HTML download', async ({
  users,
}) => {
  const room = uniqueRoom('image')
  const ann = await users.open('Ann')
  const bob = await users.open('Bob')
  // Pages load images only from this server (and the blob URLs the editor makes of them).
  const page = await ann.page.goto(`/d/${room}`)
  expect(page?.headers()['content-security-policy']).toContain("img-src 'self' blob: data:")
  await ann.editor.open(room)
  await bob.editor.open(room)
  await ann.editor.typeAtEnd('Our logo: ')
  const chooser = ann.page.waitForEvent('filechooser')
  await ann.editor.toolbar.getByRole('button', { name: 'Image', exact: true }).click()
  await (await chooser).setFiles({ name: 'logo.png', mimeType: 'image/png', buffer: RED_PNG })

  const seen = bob.editor.document.locator('img.document-image')
  await expect(seen).toHaveCount(1)
  await expect(seen).toHaveJSProperty('naturalWidth', 2)
  await ann.editor.expectSaved()

  ann.page.once('dialog', (dialog) => void dialog.accept('A red square'))
  await ann.editor.document.locator('img.document-image').dblclick()
  await expect(seen).toHaveAttribute('alt', 'A red square')
  // The keyboard's way: the image selected, Enter asks for its description.
  await ann.editor.document.locator('img.document-image').click()
  ann.page.once('dialog', (dialog) => void dialog.accept('A small red square'))
  await ann.page.keyboard.press('Enter')
  await expect(seen).toHaveAttribute('alt', 'A small red square')

  await ann.page.getByRole('button', { name: 'Download' }).click()
  const download = ann.page.waitForEvent('download')
  await ann.page.getByRole('menuitem', { name: /Web page/ }).click()
  const html = await readFile(await (await download).path(), 'utf8')
  expect(html).toContain(`<img src="data:image/png;base64,${RED_PNG.toString('base64')}" alt="A small red square">`)
})

/** Versions: name one, keep typing, preview and restore it; everyone sees the restored text. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('A names a version, B keeps typing, A restores it and both see the restored text', async ({ users }) => {
  const room = uniqueRoom('history')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)

  await alice.editor.typeAtEnd('The plan is simple.')
  await expect.poll(() => bob.editor.blocks()).toEqual(['The plan is simple.'])
  await alice.editor.expectSaved()

  // Alice names the current version from the History panel, with the keyboard.
  const history = alice.page.getByRole('button', { name: 'History', exact: true })
  await history.click()
  const panel = alice.page.getByRole('complementary', { name: 'Version history' })
  await expect(panel).toBeVisible()
  await panel.getByRole('textbox', { name: 'Name for the current version' }).fill('Agreed plan')
  await panel.getByRole('textbox', { name: 'Name for the current version' }).press('Enter')
  const named = panel.getByRole('button', { name: /Agreed plan/ })
  await expect(named).toBeVisible()
  await expect(panel.getByRole('heading', { name: 'Today' })).toBeVisible()
  await expect(named).toContainText('Alice')

  // Bob keeps typing.
  await bob.editor.typeAtEnd(' Then Bob rewrote it all.')
  await expect.poll(() => alice.editor.blocks()).toEqual(['The plan is simple. Then Bob rewrote it all.'])
  await bob.editor.expectSaved()

  // "Show authors" colours each one's text, named as they announced themselves.
  await alice.page.getByRole('button', { name: 'Show authors' }).click()
  await expect(alice.page.getByRole('list', { name: 'Authors' }).getByRole('listitem')).toHaveText(['Alice', 'Bob'])
  await expect(alice.editor.document.locator('.authored[title="Bob"]')).toHaveText(' Then Bob rewrote it all.')
  await expect(alice.editor.document.locator('.authored[title="Alice"]')).toHaveText('The plan is simple.')
  await alice.page.getByRole('button', { name: 'Hide authors' }).click()
  await expect(alice.editor.document.locator('.authored')).toHaveCount(0)

  // Alice previews the named version: read-only, with a banner, the live editor hidden.
  await named.click()
  const banner = alice.page.getByRole('region', { name: 'Version preview' })
  await expect(banner).toContainText('Agreed plan')
  await expect(alice.page.getByLabel('The document at this version')).toHaveText('The plan is simple.')
  await expect(alice.page.locator('#document')).toBeHidden()
  await alice.page.screenshot({ path: test.info().outputPath('history-preview.png') })

  // Restore asks first; Escape backs out of the question, then the real thing.
  await banner.getByRole('button', { name: 'Restore this version' }).click()
  await expect(alice.page.getByRole('alertdialog', { name: 'Restore this version?' })).toBeVisible()
  await alice.page.keyboard.press('Escape')
  await expect(alice.page.getByRole('alertdialog')).toBeHidden()
  await banner.getByRole('button', { name: 'Restore this version' }).click()
  await alice.page.getByRole('alertdialog').getByRole('button', { name: 'Restore' }).click()

  await expect(alice.page.locator('#document')).toBeVisible()
  await expect.poll(() => alice.editor.blocks()).toEqual(['The plan is simple.'])
  await expect.poll(() => bob.editor.blocks()).toEqual(['The plan is simple.'])
  // The state before the restore is kept as a version of its own.
  await expect(panel.getByRole('button', { name: /Before restoring “Agreed plan”/ })).toBeVisible()
  await alice.editor.expectSaved()
  await bob.editor.expectSaved()
})

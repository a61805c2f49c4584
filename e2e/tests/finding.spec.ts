/**
 * Finding documents: titles (the first heading, or one set from the header) on the home page and in
 * the tab, search by a word in the body, order by name, and deleting a document from the list while
 * someone has it open.
 */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('search finds a document by a word in its body; titles show on the home page and in the tab', async ({ users }) => {
  const marker = `zebra${Date.now().toString(36)}`
  const first = uniqueRoom('find-a')
  const second = uniqueRoom('find-b')
  const ann = await users.open('Ann')
  await ann.editor.open(first)
  await ann.editor.typeAtEnd(`# Field notes\nWe saw a ${marker} near the river.`)
  await ann.editor.expectSaved()
  await expect(ann.page).toHaveTitle('Field notes · Tandem')
  await ann.editor.open(second)
  await ann.editor.typeAtEnd('Shopping list')
  await ann.editor.expectSaved()

  await ann.home.open()
  await expect(ann.home.documentLink(first)).toContainText('Field notes')
  await ann.page.getByRole('searchbox', { name: 'Search documents' }).fill(marker)
  const results = ann.home.recentDocuments.getByRole('listitem')
  await expect(results).toHaveCount(1)
  await expect(results.first()).toContainText('Field notes')
  await expect(results.first().locator('mark')).toHaveText(marker)
  await ann.page.getByRole('searchbox', { name: 'Search documents' }).fill('nothing-holds-this-word')
  await expect(ann.page.getByText('No document holds “nothing-holds-this-word”.')).toBeVisible()
  await ann.page.getByRole('searchbox', { name: 'Search documents' }).fill('')

  // Renamed from the header, for everyone: the other person's tab and the home page follow.
  const bob = await users.open('Bob')
  await bob.editor.open(first)
  await ann.editor.open(first)
  await ann.page.getByRole('button', { name: 'Field notes: rename' }).click()
  await ann.page.getByRole('textbox', { name: 'Document title' }).fill('River survey')
  await ann.page.keyboard.press('Enter')
  await expect(bob.page).toHaveTitle('River survey · Tandem')
  await ann.home.open()
  await expect(ann.home.documentLink(first)).toContainText('River survey')
  await ann.page.getByRole('combobox', { name: 'Order' }).selectOption('name')
  const titles = await ann.home.recentDocuments.locator('.room-name').allTextContents()
  expect(titles.indexOf('River survey')).toBeLessThan(titles.indexOf('Shopping list'))
})

test('a writer deletes a document from the home page; someone who had it open sees it is gone', async ({ users }) => {
  const room = uniqueRoom('delete')
  const ann = await users.open('Ann')
  const bob = await users.open('Bob')
  await bob.editor.open(room)
  await bob.editor.typeAtEnd('Soon gone.')
  await bob.editor.expectSaved()
  await ann.home.open()
  await expect(ann.home.documentLink(room)).toBeVisible()
  ann.page.once('dialog', (dialog) => void dialog.accept())
  await ann.page.getByRole('button', { name: `Delete ${room}` }).click()
  await expect(ann.home.documentLink(room)).toHaveCount(0)
  await expect(bob.page.getByRole('heading', { name: 'This document was deleted' })).toBeVisible()
  // Opening its link again says the same, rather than starting an empty document under its name.
  await bob.page.reload()
  await expect(bob.page.getByRole('heading', { name: 'This document was deleted' })).toBeVisible()
  await expect(bob.editor.document).toHaveCount(0)
})

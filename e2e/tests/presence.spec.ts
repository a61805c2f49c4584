/** Seeing who else is in a document: their cursor with their name, and their avatar. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('others see your cursor and avatar, follow your renames, and stop seeing them when you leave', async ({ users }) => {
  const room = uniqueRoom('presence')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)
  await alice.editor.typeAtEnd('Alice is typing here')

  await expect(bob.editor.remoteCursor('Alice')).toBeVisible()
  await expect(bob.editor.person('Alice')).toBeVisible()
  await expect(bob.editor.person('Bob (you)')).toBeVisible()
  await expect(alice.editor.person('Bob')).toBeVisible()

  // Renaming in the header reaches the other person's view at once.
  await alice.page.getByRole('button', { name: 'Your name and colour: Alice' }).click()
  await alice.page.getByRole('textbox', { name: 'Your name', exact: true }).fill('Alice Liddell')
  await alice.page.keyboard.press('Enter')
  await alice.editor.document.focus()
  await expect(bob.editor.remoteCursor('Alice Liddell')).toBeVisible()
  await expect(bob.editor.person('Alice Liddell')).toBeVisible()
  await expect(bob.editor.person('Alice')).toHaveCount(0)

  await alice.page.close()
  await expect(bob.editor.remoteCursor('Alice')).toHaveCount(0)
  await expect(bob.editor.person('Alice Liddell')).toHaveCount(0)
  await expect(bob.editor.person('Bob (you)')).toBeVisible()
})

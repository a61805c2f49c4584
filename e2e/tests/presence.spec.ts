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

test('the colour picker works by keyboard: one tab stop, arrows pick, Escape closes from anywhere in it', async ({ users }) => {
  const room = uniqueRoom('colour')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)
  await alice.editor.typeAtEnd('hello')

  const toggle = alice.page.getByRole('button', { name: 'Your name and colour: Alice' })
  await toggle.click()
  await expect(alice.page.getByRole('textbox', { name: 'Your name', exact: true })).toBeFocused()
  await alice.page.keyboard.press('Tab')
  const colours = alice.page.getByRole('radiogroup', { name: 'Colour' })
  const chosen = colours.getByRole('radio', { checked: true })
  await expect(chosen).toBeFocused()
  const before = await chosen.getAttribute('data-color')
  await alice.page.keyboard.press('ArrowRight')
  await expect(chosen).toBeFocused()
  const after = await chosen.getAttribute('data-color')
  expect(after).not.toBe(before)
  await expect(colours.locator('[tabindex="0"]')).toHaveCount(1)

  // Before: Escape did nothing once focus had left the name field.
  await alice.page.keyboard.press('Escape')
  await expect(alice.page.getByRole('dialog', { name: 'Your name and colour' })).toBeHidden()
  await expect(toggle).toBeFocused()
  await alice.editor.document.focus()
  await expect(bob.editor.remoteCursor('Alice')).toHaveAttribute('style', new RegExp(`--cursor-color: ${after}`))
})

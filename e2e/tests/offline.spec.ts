/** Losing the network: edits stay in the page and merge, with nothing lost, when it returns. */
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('edits made offline merge with edits made meanwhile when the connection returns', async ({ users }) => {
  const room = uniqueRoom('offline')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)
  await alice.editor.typeAtEnd('Shared start.')
  await expect.poll(() => bob.editor.blocks()).toEqual(['Shared start.'])

  await alice.context.setOffline(true)
  await expect(alice.editor.connectionStatus).toHaveText('You’re offline')

  await alice.editor.typeAtEnd('\nWritten by Alice while offline.')
  await expect(alice.editor.saveStatus).toHaveText(/^\d+ changes? not saved yet$/)
  await bob.editor.cursorToStart()
  await bob.page.keyboard.type('Bob, online: ')
  await bob.editor.expectSaved()
  expect(await bob.editor.blocks()).toEqual(['Bob, online: Shared start.'])

  await alice.context.setOffline(false)
  await expect(alice.editor.connectionStatus).toHaveText('Live')
  const merged = ['Bob, online: Shared start.', 'Written by Alice while offline.']
  await expect.poll(() => alice.editor.blocks()).toEqual(merged)
  await expect.poll(() => bob.editor.blocks()).toEqual(merged)
  await alice.editor.expectSaved()
  await expect(bob.editor.person('Alice')).toBeVisible()
})

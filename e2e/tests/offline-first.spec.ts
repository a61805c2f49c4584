/**
 * Offline first: the app opens with the network off (its shell from the service worker, the
 * document from this browser's IndexedDB copy), and edits made offline survive a reload and a
 * browser restart, then merge with what others wrote meanwhile.
 */
import type { Page } from '@playwright/test'

import { expect, test, uniqueRoom } from '../fixtures/test.js'

/** Wait until the service worker controls `page` (it then serves the app shell offline). */
async function shellCached(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    }
  })
}

test('opens with the network off, keeps offline edits through a reload, and merges them when back', async ({ users }) => {
  const room = uniqueRoom('offline-first')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await bob.editor.open(room)
  await alice.editor.typeAtEnd('Shared start.')
  await alice.editor.expectSaved()
  await shellCached(alice.page)

  await alice.context.setOffline(true)
  await expect(alice.editor.connectionStatus).toHaveText('You’re offline')
  await alice.editor.typeAtEnd('\nWritten offline.')
  await expect(alice.editor.saveStatus).toHaveText(/^\d+ changes? not saved yet$/)

  // A reload without a network: the page, the document and the unsaved edits all come back.
  await alice.page.reload()
  await expect(alice.editor.connectionStatus).toHaveText('You’re offline')
  await expect.poll(() => alice.editor.blocks()).toEqual(['Shared start.', 'Written offline.'])
  await expect(alice.editor.saveStatus).toHaveText(/^\d+ changes? not saved yet$/)
  // The home page opens too, and lists the document as kept on this device with changes waiting.
  await alice.page.goto('/')
  const kept = alice.page.getByRole('list', { name: 'Documents on this device' }).getByRole('listitem').filter({ hasText: room })
  await expect(kept).toContainText(/changes? not saved yet/)
  await kept.getByRole('link', { name: room }).click()
  await expect.poll(() => alice.editor.blocks()).toEqual(['Shared start.', 'Written offline.'])

  await bob.editor.cursorToStart()
  await bob.page.keyboard.type('Bob: ')
  await bob.editor.expectSaved()

  await alice.context.setOffline(false)
  await expect(alice.editor.connectionStatus).toHaveText('Live')
  const merged = ['Bob: Shared start.', 'Written offline.']
  await expect.poll(() => alice.editor.blocks()).toEqual(merged)
  await expect.poll(() => bob.editor.blocks()).toEqual(merged)
  await alice.editor.expectSaved()
  await alice.page.goto('/')
  await expect(
    alice.page.getByRole('list', { name: 'Documents on this device' }).getByRole('listitem').filter({ hasText: room }),
  ).toContainText('Available offline')
})

test('edits made offline survive closing the browser, reach the server from the next one, and a copy can be forgotten', async ({
  users,
}) => {
  const room = uniqueRoom('restart')
  const alice = await users.open('Alice')
  const bob = await users.open('Bob')
  await alice.editor.open(room)
  await alice.editor.typeAtEnd('Before.')
  await alice.editor.expectSaved()
  await alice.context.setOffline(true)
  await expect(alice.editor.connectionStatus).toHaveText('You’re offline')
  await alice.editor.typeAtEnd(' Never sent before the restart.')
  await expect(alice.editor.saveStatus).toHaveText(/not saved yet$/)
  // Let y-indexeddb's write land, then close the browser with the edit still unsent.
  await expect
    .poll(() => alice.page.evaluate(() => JSON.parse(localStorage.getItem('tandem.offline.open') ?? '{}')))
    .toMatchObject({ [room]: { unsaved: expect.any(Number) } })
  const kept = await alice.context.storageState({ indexedDB: true })
  await alice.context.close()

  await bob.editor.open(room)
  expect(await bob.editor.blocks()).toEqual(['Before.'])

  const again = await users.open('Alice', { storageState: kept })
  await again.editor.open(room)
  await expect.poll(() => bob.editor.blocks()).toEqual(['Before. Never sent before the restart.'])
  await again.editor.expectSaved()

  // Forgetting the local copy leaves the server's document alone.
  await again.page.goto('/')
  again.page.once('dialog', (dialog) => void dialog.accept())
  await again.page.getByRole('button', { name: `Forget the copy of ${room}` }).click()
  await expect(again.page.getByRole('list', { name: 'Documents on this device' })).toHaveCount(0)
  expect(await bob.editor.blocks()).toEqual(['Before. Never sent before the restart.'])
})

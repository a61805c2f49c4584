/**
 * Secure mode as an embedding app uses it: it opens Tandem with `?token=<jwt>`, and the page signs
 * every connection in with it, keeps it out of the address bar, and says so when it has none.
 */
import { startSecureServer } from '../fixtures/secure-server.js'
import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('pages opened with a token collaborate under the names and rights the token grants', async ({ users }, testInfo) => {
  // A port per worker, clear of the suite's server and of durability.spec's restarted ones.
  const port = Number(process.env.TANDEM_E2E_PORT ?? 8790) + 5 + testInfo.parallelIndex
  const server = await startSecureServer(port)
  try {
    const room = uniqueRoom('secure')
    const annToken = await server.mintToken({ sub: 'ann', name: 'Ann', rooms: { '*': 'write' } })
    const bobToken = await server.mintToken({ sub: 'bob', name: 'Bob', rooms: { [room]: 'read' } })
    const ann = await users.open('Ann')
    // The name this browser made up for itself: the server must show the token's name instead.
    const bob = await users.open('Robert Local')

    await ann.page.goto(`${server.url}/d/${room}?token=${annToken}`)
    await expect(ann.editor.connectionStatus).toHaveText('Live')
    await expect(ann.page).not.toHaveURL(/token=/)
    await bob.page.goto(`${server.url}/d/${room}#token=${bobToken}`)
    await expect(bob.editor.connectionStatus).toHaveText('Live')
    await expect(bob.page).not.toHaveURL(/token=/)

    await ann.editor.typeAtEnd('Written by Ann.')
    await ann.editor.expectSaved()
    await expect.poll(() => bob.editor.blocks()).toEqual(['Written by Ann.'])

    await bob.editor.cursorToEnd()
    await expect(ann.editor.remoteCursor('Bob')).toBeVisible()
    await expect(ann.editor.remoteCursor('Robert')).toHaveCount(0)

    // Bob may read only: the server drops his edits. His next sync round trip proves it got them.
    await bob.editor.typeAtEnd(' Bob was here.')
    await expect(bob.editor.saveStatus).not.toHaveText('Saving…')
    await ann.page.reload()
    await expect(ann.editor.connectionStatus).toHaveText('Live')
    await expect.poll(() => ann.editor.blocks()).toEqual(['Written by Ann.'])

    // The token stays with the tab, so its other pages are signed in too: the home page lists the room.
    await bob.page.goto(`${server.url}/`)
    await expect(bob.home.documentLink(room)).toBeVisible()

    // Without a token the page says why instead of showing an editor that never syncs.
    const eve = await users.open('Eve')
    await eve.page.goto(`${server.url}/d/${room}`)
    await expect(eve.page.getByRole('heading', { name: 'You are not signed in to this document' })).toBeVisible()
    await expect(eve.page.getByText('Open it again from the app that sent you here')).toBeVisible()
    await expect(eve.editor.document).toHaveCount(0)
  } finally {
    await server.stop()
  }
})

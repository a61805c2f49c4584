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
    // Bob's avatar, not the name this browser made up, is in Ann's who-is-here list.
    await expect(ann.editor.person('Bob')).toBeVisible()

    // Bob may only read, and the page says so: no toolbar, no way to type, a "View only" badge.
    await expect(bob.page.getByText('View only', { exact: true })).toBeVisible()
    await expect(ann.page.getByText('View only', { exact: true })).toBeHidden()
    await expect(bob.editor.document).toHaveAttribute('contenteditable', 'false')
    await expect(bob.editor.document).toHaveAttribute('aria-readonly', 'true')
    await expect(bob.editor.toolbar).toBeHidden()
    await expect(ann.editor.toolbar).toBeVisible()
    await bob.editor.document.click()
    await bob.page.keyboard.type(' Bob was here.')
    await expect.poll(() => bob.editor.blocks()).toEqual(['Written by Ann.'])
    // He still sees the others: Ann's cursor and her next words.
    await ann.editor.typeAtEnd(' More.')
    await expect(bob.editor.remoteCursor('Ann')).toBeVisible()
    await expect.poll(() => bob.editor.blocks()).toEqual(['Written by Ann. More.'])

    // The token stays with the tab, so its other pages are signed in too: the home page lists the room.
    await bob.page.goto(`${server.url}/`)
    await expect(bob.home.documentLink(room)).toBeVisible()
  } finally {
    await server.stop()
  }
})

test('each refusal shows its own state: not signed in, no access, too many new documents', async ({ users }, testInfo) => {
  const port = Number(process.env.TANDEM_E2E_PORT ?? 8790) + 15 + testInfo.parallelIndex
  // One new document a minute per address: the second one this browser opens is refused for it.
  const server = await startSecureServer(port, { MAX_NEW_ROOMS_PER_MINUTE: '1' })
  try {
    const room = uniqueRoom('refusals')
    const eve = await users.open('Eve')

    // No token: the server closes the socket with 4401, and the page says why instead of an editor
    // that never syncs (a browser cannot read an HTTP 401 on a WebSocket).
    await eve.page.goto(`${server.url}/d/${room}`)
    await expect(eve.page.getByRole('heading', { name: 'You are not signed in to this document' })).toBeVisible()
    await expect(eve.page.getByText('Open it again from the app that sent you here')).toBeVisible()
    await expect(eve.editor.document).toHaveCount(0)

    // A token for other rooms: 4403.
    const elsewhere = await server.mintToken({ sub: 'eve', name: 'Eve', rooms: { 'team-*': 'write' } })
    await eve.page.goto(`${server.url}/d/${room}?token=${elsewhere}`)
    await expect(eve.page.getByRole('heading', { name: 'You do not have access to this document' })).toBeVisible()
    await expect(eve.editor.document).toHaveCount(0)

    // Past the allowance of new documents: 4429, which is retried, and said as such meanwhile.
    const everywhere = await server.mintToken({ sub: 'eve', name: 'Eve', rooms: { '*': 'write' } })
    await eve.page.goto(`${server.url}/d/${room}?token=${everywhere}`)
    await expect(eve.editor.connectionStatus).toHaveText('Live')
    await eve.page.goto(`${server.url}/d/${room}-second?token=${everywhere}`)
    await expect(eve.editor.connectionStatus).toHaveText('Server busy')
    await expect(eve.page.locator('.status-indicator')).toHaveAttribute('title', /asked this page to slow down/)
    await expect(eve.editor.document).toBeVisible()
  } finally {
    await server.stop()
  }
})

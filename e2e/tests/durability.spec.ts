/** A document outlives the page and the server: reloads, restarts, and a crash after "Saved". */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { startServerProcess } from '@tandem/server-process'

import { expect, test, uniqueRoom } from '../fixtures/test.js'

test('a reloaded page shows the document as it was left', async ({ users }) => {
  const room = uniqueRoom('reload')
  const alice = await users.open('Alice')
  await alice.editor.open(room)
  await alice.editor.typeAtEnd('# Kept\nThis survives a reload.')
  await alice.editor.expectSaved()
  const before = await alice.editor.blocks()

  await alice.page.reload()
  await expect(alice.editor.connectionStatus).toHaveText('Live')
  await expect.poll(() => alice.editor.blocks()).toEqual(before)
  await expect(alice.editor.document.locator('h1')).toHaveText('Kept')
})

test('the document survives a server restart, and a crash right after "Saved"', async ({ users }, testInfo) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-restart-'))
  // A port per worker, next to the suite's own server: parallel workers (and parallel suite runs
  // with another TANDEM_E2E_PORT) must not share the restarted server.
  const port = Number(process.env.TANDEM_E2E_PORT ?? 8790) + 1 + testInfo.parallelIndex
  let server = await startServerProcess({ port, dataDir })
  try {
    const room = uniqueRoom('restart')
    const alice = await users.open('Alice')
    await alice.editor.open(room, server.url)
    await alice.editor.typeAtEnd('Written before the restart.')
    await alice.editor.expectSaved()

    await server.stop()
    // The browser still has a network: it is the server that is gone, and the status says which.
    await expect(alice.editor.connectionStatus).toHaveText('Can’t reach server')
    server = await startServerProcess({ port, dataDir })
    // The page reconnects by itself.
    await expect(alice.editor.connectionStatus).toHaveText('Live', { timeout: 20_000 })
    await alice.page.reload()
    await expect(alice.editor.connectionStatus).toHaveText('Live')
    await expect.poll(() => alice.editor.blocks()).toEqual(['Written before the restart.'])

    // "Saved" promises the server has stored it: a crash (SIGKILL, no shutdown) must not lose it.
    await alice.editor.typeAtEnd(' And after.')
    await alice.editor.expectSaved()
    await server.kill()
    server = await startServerProcess({ port, dataDir })
    await alice.page.reload()
    await expect(alice.editor.connectionStatus).toHaveText('Live')
    await expect.poll(() => alice.editor.blocks()).toEqual(['Written before the restart. And after.'])
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

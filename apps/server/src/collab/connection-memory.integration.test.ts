import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { describe, expect, it, vi } from 'vitest'
import { WebSocketServer } from 'ws'

import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Collect garbage, in a later job too: V8 keeps a WeakRef's target for the rest of the job that read it. */
async function collect(): Promise<void> {
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

describe('what an open document connection keeps', () => {
  it('lets go of the upgrade request and its head once the socket is upgraded', async () => {
    const server = await startTestServer()
    const spy = vi.spyOn(WebSocketServer.prototype, 'handleUpgrade')
    const clients = [await connectClient(server, 'kept'), await connectClient(server, 'kept')]
    const upgrades = spy.mock.calls.map(([request, , head]) => ({ request: new WeakRef(request), head: new WeakRef(head) }))
    spy.mockRestore()
    expect(upgrades).toHaveLength(2)
    // Every listener of a live socket could hold them: a kilobyte or two per connection, for its lifetime.
    await eventually(async () => {
      await collect()
      expect(upgrades.filter((upgrade) => upgrade.request.deref() !== undefined || upgrade.head.deref() !== undefined)).toHaveLength(0)
    })
    // Still connected and editing.
    clients[0]!.text.insert(0, 'still here')
    await eventually(() => expect(clients[1]!.text.toString()).toBe('still here'))
  })
})

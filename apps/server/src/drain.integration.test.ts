/** SIGTERM with `DRAIN_DELAY_MS`: the real server process keeps serving, unready, then closes its clients with 1012 and exits 0. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { CloseCode } from '@tandem/protocol'
import { afterAll, describe, expect, it } from 'vitest'

import { eventsSocket } from './test-support/event-clients.js'
import { eventually } from './test-support/eventually.js'
import { spawnServer } from './test-support/spawn-server.js'
import { connectClient } from './test-support/stock-client.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-drain-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('draining on SIGTERM', () => {
  it('answers /api/ready 503 while it keeps serving for DRAIN_DELAY_MS, then closes every socket with 1012 and exits 0', async () => {
    const server = await spawnServer({ DATA_DIR: dataDir, DRAIN_DELAY_MS: '2000', REDIS_URL: '' })
    const author = await connectClient(server, 'draining')
    const witness = await connectClient(server, 'draining')
    const subscriber = await eventsSocket(server.url)
    const closes = [author, witness].map(
      (client) => new Promise<number>((resolve) => client.provider.ws!.addEventListener('close', (event) => resolve(event.code))),
    )
    server.child.kill('SIGTERM')
    await eventually(async () => {
      const response = await fetch(`${server.url}/api/ready`)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ ready: false, draining: true })
    })
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
    // Still serving those it has.
    author.text.insert(0, 'written while draining')
    await eventually(() => expect(witness.text.toString()).toBe('written while draining'))

    const codes = await Promise.all(closes)
    expect(codes).toEqual([CloseCode.ServiceRestart, CloseCode.ServiceRestart])
    expect(await subscriber.closed).toBe(CloseCode.ServiceRestart)
    expect(await server.exited).toEqual({ code: 0, signal: null })
  }, 30_000)
})

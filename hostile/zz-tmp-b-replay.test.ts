// TEMPORARY measurement (helper B); deleted after use.
import { request } from 'node:http'
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { inBatches } from './support/client-addresses.js'
import { subscribeFrame } from './support/collab-frames.js'
import { HostileServer } from './support/hostile-server.js'
import { measureAttack, MiB } from './support/measure-attack.js'
import { eventually } from '@tandem/server/src/test-support/eventually.js'

const KEY = 'hostile-publish-key-0123456789'
const N = Number(process.env.B_N ?? 1000)

async function seed(server: HostileServer): Promise<void> {
  await inBatches(Array.from({ length: N }, (_, i) => i), 4, async (i) => {
    const r = await fetch(`${server.url}/api/publish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: `history-${i % 4}`, data: { i, text: 'h'.repeat(60_000) } }),
    })
    expect(r.status).toBe(200)
  })
}

describe('replay measurement', () => {
  for (const transport of ['doc', 'events', 'sse'] as const) {
    it(`full replay over ${transport}`, async () => {
      const server = await HostileServer.start({ PUBLISH_KEY: KEY })
      await seed(server)
      let got = 0
      let closed: number | null = null
      const started = performance.now()
      await measureAttack(server, `B replay ${N} x 60KB over ${transport} (read to the end)`, async () => {
        if (transport === 'sse') {
          await new Promise<void>((resolve, reject) => {
            const req = request(`${server.url}/api/events?channel=history-*&since=0`, (res) => {
              res.setEncoding('utf8')
              res.on('data', (chunk: string) => {
                got += chunk.split('\nid: ').length - 1 + (chunk.startsWith('id: ') ? 1 : 0)
                if (got >= N) { req.destroy(); resolve() }
              })
            })
            req.on('error', (e) => (got >= N ? resolve() : reject(e)))
            req.end()
          })
        } else {
          const url = transport === 'doc' ? `${server.collabUrl}/replay` : server.eventsUrl
          const ws = new WebSocket(url, { perMessageDeflate: false })
          await new Promise((r) => ws.once('open', r))
          ws.on('close', (code) => (closed = code))
          ws.on('message', (data: Buffer, isBinary) => {
            const text = isBinary ? data.toString('utf8') : data.toString()
            if (text.includes('"type":"message"')) got++
          })
          if (transport === 'doc') ws.send(subscribeFrame(['history-*'], { since: 0 }))
          else ws.send(JSON.stringify({ type: 'subscribe', channels: ['history-*'], since: 0 }))
          await eventually(() => expect(got).toBe(N), { timeout: 60_000 })
          ws.close()
        }
        return { received: got, ms: Math.round(performance.now() - started), closed: String(closed) }
      }, { fixedBytes: 32 * MiB })
      expect(got).toBe(N)
      server.assertUnharmed()
    })
  }

  it('a reader that stops reading for 3 s is neither cut off nor buffered for', async () => {
    const server = await HostileServer.start({ PUBLISH_KEY: KEY })
    await seed(server)
    let got = 0
    let closed: number | null = null
    await measureAttack(server, `B replay ${N} x 60KB to a reader pausing 3 s`, async () => {
      const ws = new WebSocket(server.eventsUrl, { perMessageDeflate: false })
      await new Promise((r) => ws.once('open', r))
      ws.on('close', (code) => (closed = code))
      ws.on('message', (data: Buffer) => { if (data.toString().includes('"type":"message"')) got++ })
      ws.send(JSON.stringify({ type: 'subscribe', channels: ['history-*'], since: 0 }))
      await eventually(() => expect(got).toBeGreaterThan(0))
      ;(ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
      await new Promise((r) => setTimeout(r, 3000))
      const during = got
      ;(ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.resume()
      await eventually(() => expect(got).toBe(N), { timeout: 60_000 })
      ws.close()
      return { receivedBeforeResume: during, closed: String(closed) }
    }, { fixedBytes: 32 * MiB })
    expect(closed === null || closed === 1005 || closed === 1000).toBe(true)
    server.assertUnharmed()
  })
})

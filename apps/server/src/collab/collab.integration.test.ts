import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { connectDocument } from '@tandem/client'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'

import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-collab-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('y-websocket rooms with the stock client', () => {
  it('converges two clients both ways', async () => {
    const server = await startTestServer()
    const a = await connectClient(server, 'pair')
    const b = await connectClient(server, 'pair')
    a.text.insert(0, 'from A. ')
    await eventually(() => expect(b.text.toString()).toBe('from A. '))
    b.text.insert(b.text.length, 'from B.')
    await eventually(() => expect(a.text.toString()).toBe('from A. from B.'))

    // Concurrent edits at the same position converge to the same text on both sides.
    a.text.insert(0, '[a]')
    b.text.insert(0, '[b]')
    await eventually(() => {
      expect(a.text.toString()).toBe(b.text.toString())
      expect(a.text.toString()).toMatch(/^(\[a\]\[b\]|\[b\]\[a\])from A\. from B\.$/)
    })
  })

  it('keeps rooms apart', async () => {
    const server = await startTestServer()
    const a = await connectClient(server, 'room-one')
    const b = await connectClient(server, 'room-two')
    a.text.insert(0, 'only in one')
    const c = await connectClient(server, 'room-one')
    await eventually(() => expect(c.text.toString()).toBe('only in one'))
    expect(b.text.toString()).toBe('')
  })

  it('relays awareness and removes it as soon as its owner disconnects', async () => {
    const server = await startTestServer()
    const a = await connectClient(server, 'presence')
    const b = await connectClient(server, 'presence')
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e91e63' })
    await eventually(() =>
      expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada', color: '#e91e63' } }),
    )

    // Close the socket without the client's own goodbye, as a crashed tab would.
    a.provider.shouldConnect = false
    a.provider.ws?.close()
    await eventually(() => expect(b.provider.awareness.getStates().has(a.doc.clientID)).toBe(false))
  })

  it("answers a lone client's awareness, so its 30 s silence watchdog never fires", async () => {
    const server = await startTestServer()
    const alone = await connectClient(server, 'solo')
    const received: number[] = []
    alone.provider.ws!.addEventListener('message', (event) => received.push(new Uint8Array(event.data as ArrayBuffer)[0]!))
    // The provider renews its awareness every 15 s; each renewal must be answered.
    alone.provider.awareness.setLocalStateField('user', { name: 'Solo' })
    await eventually(() => expect(received).toContain(1))
  })

  it('gives a late joiner the full state', async () => {
    const server = await startTestServer()
    const a = await connectClient(server, 'late')
    for (let i = 0; i < 50; i++) a.text.insert(a.text.length, `${i},`)
    a.doc.getMap('meta').set('title', 'Notes')
    await eventually(async () => expect((await server.store.load('late'))?.updates.length).toBeGreaterThan(0))
    const late = await connectClient(server, 'late')
    await eventually(() => expect(late.text.toString()).toBe(a.text.toString()))
    expect(late.doc.getMap('meta').get('title')).toBe('Notes')
  })

  it('keeps content across a clean restart on the same SQLite file', async () => {
    const filename = join(dataDir, 'restart', 'tandem.db')
    const first = await startTestServer({}, new SqliteDocumentStore({ filename }), { closeStore: false })
    const a = await connectClient(first, 'restart-me')
    a.text.insert(0, 'written before the restart')
    const check = await connectClient(first, 'restart-me')
    await eventually(() => expect(check.text.toString()).toBe('written before the restart'))
    a.provider.destroy()
    check.provider.destroy()
    await first.close()
    await first.store.close()

    const second = await startTestServer({}, new SqliteDocumentStore({ filename }))
    const b = await connectClient(second, 'restart-me')
    expect(b.text.toString()).toBe('written before the restart')
  })

  it('reports rooms and connections in /api/health', async () => {
    const server = await startTestServer()
    await connectClient(server, 'health-a')
    await connectClient(server, 'health-a')
    await connectClient(server, 'health-b')
    const body = (await (await fetch(`${server.url}/api/health`)).json()) as { uptimeS: number }
    expect(body).toMatchObject({ ok: true, rooms: 2, connections: 3 })
    expect(body.uptimeS).toBeGreaterThanOrEqual(0)
  })
})

describe('GET /api/rooms', () => {
  it('lists stored and live rooms, most recent first, with who is present', async () => {
    const server = await startTestServer()
    const old = await connectClient(server, 'older')
    old.text.insert(0, 'x')
    await eventually(async () => expect(await server.store.info('older')).not.toBeNull())
    old.provider.destroy()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const live = await connectClient(server, 'newer')
    live.provider.awareness.setLocalStateField('user', { name: 'Grace', color: '#3f51b5' })

    await eventually(async () => {
      const body = (await (await fetch(`${server.url}/api/rooms`)).json()) as { rooms: Array<Record<string, unknown>> }
      expect(body.rooms.map((room) => room.name)).toEqual(['newer', 'older'])
      expect(body.rooms[0]).toMatchObject({ connections: 1, users: [{ name: 'Grace', color: '#3f51b5' }] })
      expect(body.rooms[1]).toMatchObject({ connections: 0, users: [] })
      expect(body.rooms[1]!.bytes).toBeGreaterThan(0)
    })
    expect((await fetch(`${server.url}/api/rooms?limit=0`)).status).toBe(400)
  })

  it("keeps the SDK's Saved honest: whenever it says saved, the server has stored every local edit", async () => {
    const server = await startTestServer()
    const doc = new Y.Doc()
    const connection = connectDocument({
      serverUrl: server.collabUrl,
      room: 'saved',
      doc,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      network: null,
      saveCheckDelayMs: 5,
    })
    onTestFinished(() => connection.destroy())
    await eventually(() => expect(connection.state.status).toBe('live'))
    const checks: Array<Promise<void>> = []
    connection.onStateChange((state) => {
      if (!state.saved) return
      const local = doc.getText('t').toString()
      checks.push(
        (async () => {
          const stored = new Y.Doc()
          for (const update of (await server.store.load('saved'))?.updates ?? []) Y.applyUpdate(stored, update)
          expect(stored.getText('t').toString().startsWith(local), `saved at ${JSON.stringify(local)}`).toBe(true)
        })(),
      )
    })
    for (let i = 0; i < 30; i++) {
      doc.getText('t').insert(doc.getText('t').length, `${i},`)
      await new Promise((resolve) => setTimeout(resolve, i % 3))
    }
    await eventually(() => expect(connection.state.saved).toBe(true))
    await Promise.all(checks)
    expect(checks.length).toBeGreaterThan(0)
  })
})

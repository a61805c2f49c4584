import { type ChannelMessage, NotificationsClient, providerTransport } from '@tandem/client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

const PUBLISH_KEY = 'client-test-publish-key-0123'
const fastRetry = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0.5 }

async function publish(url: string, channel: string, data: unknown): Promise<number> {
  const response = await fetch(`${url}/api/publish`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PUBLISH_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data }),
  })
  const body = (await response.json()) as { ids: Record<string, number> }
  return body.ids[channel]!
}

function collect(client: NotificationsClient): ChannelMessage[] {
  const got: ChannelMessage[] = []
  client.onMessage((message) => got.push(message))
  onTestFinished(() => client.close())
  return got
}

/** A WebSocket that never connects, as behind a proxy that refuses upgrades. */
class BlockedWebSocket {
  onopen: (() => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  onmessage: (() => void) | null = null
  onerror: (() => void) | null = null
  readyState = 0
  constructor() {
    setTimeout(() => {
      this.readyState = 3
      this.onerror?.()
      this.onclose?.({ code: 1006 })
    }, 5)
  }
  send(): void {}
  close(): void {}
}

describe('NotificationsClient against a real server', () => {
  it('resumes from its last id across a server restart, delivering each missed message once', async () => {
    const store = new MemoryDocumentStore()
    const messages = new MemoryMessageStore()
    const first = await startTestServer({ publishKey: PUBLISH_KEY }, store, { messages, closeStore: false })
    const client = new NotificationsClient({
      baseUrl: first.url,
      channels: ['news'],
      transport: 'websocket',
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      reconnectPolicy: fastRetry,
    })
    const got = collect(client)
    await eventually(() => expect(client.status).toBe('live'))
    // Subscribed once the server confirms; a publish now is delivered live.
    await eventually(async () => {
      await publish(first.url, 'news', 'hello')
      expect(got.length).toBeGreaterThan(0)
    })
    const seen = got.length

    await first.close()
    await eventually(() => expect(client.status).toBe('offline'))
    const second = await startTestServer({ publishKey: PUBLISH_KEY, port: first.port }, store, { messages })
    const missed: number[] = []
    for (let i = 0; i < 5; i++) missed.push(await publish(second.url, 'news', { i }))
    await eventually(() => expect(got.slice(seen).map((m) => m.id)).toEqual(missed))
    const live = await publish(second.url, 'news', 'live again')
    await eventually(() => expect(got.at(-1)?.id).toBe(live))
    expect(new Set(got.map((m) => m.id)).size).toBe(got.length)
  })

  it('falls back to Server-Sent Events when WebSockets cannot connect', async () => {
    const server = await startTestServer({ publishKey: PUBLISH_KEY })
    const client = new NotificationsClient({
      baseUrl: server.url,
      channels: ['alerts'],
      WebSocketPolyfill: BlockedWebSocket as unknown as typeof globalThis.WebSocket,
      reconnectPolicy: fastRetry,
    })
    const got = collect(client)
    await eventually(() => expect(client.transportKind).toBe('sse'))
    await eventually(() => expect(client.status).toBe('live'))
    await eventually(async () => {
      await publish(server.url, 'alerts', 'over SSE')
      expect(got.map((m) => m.data)).toContain('over SSE')
    })
    // Adding a channel reopens the stream and keeps the position.
    client.subscribe(['more'])
    const id = await eventually(async () => {
      const next = await publish(server.url, 'more', 'second channel')
      expect(got.map((m) => m.id)).toContain(next)
      return next
    })
    expect(got.filter((m) => m.id === id)).toHaveLength(1)
  })

  it('receives channels on the document socket of a stock y-websocket provider, with no second connection', async () => {
    const server = await startTestServer({ publishKey: PUBLISH_KEY })
    const doc = await connectClient(server, 'editor-page')
    const client = new NotificationsClient({ transport: providerTransport(doc.provider), channels: ['broadcast'] })
    const got = collect(client)
    await eventually(async () => {
      await publish(server.url, 'broadcast', 'to every page')
      expect(got.map((m) => m.data)).toContain('to every page')
    })
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { connections: number }
    expect(health.connections).toBe(1)
    doc.text.insert(0, 'the document still syncs')
    const other = await connectClient(server, 'editor-page')
    expect(other.text.toString()).toBe('the document still syncs')
  })
})

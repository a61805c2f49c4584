import { connectDocument } from '@tandem/client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'
import { mintToken } from './tokens.js'

const SECRET = 'token-refresh-test-secret-0123456789abcdef'

describe('token expiry and refresh, end to end', () => {
  it('closes an expired connection with 4410; the client fetches a fresh token, reconnects and keeps syncing', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const issued: string[] = []
    const getToken = async (): Promise<string> => {
      // Short-lived tokens, as an embedding app that refreshes often would issue.
      const token = await mintToken({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' } }, SECRET, 2)
      issued.push(token)
      return token
    }
    const doc = new Y.Doc()
    const connection = connectDocument({
      serverUrl: server.collabUrl,
      room: 'refreshing',
      doc,
      getToken,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      network: null,
      reconnectPolicy: { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0.5 },
    })
    onTestFinished(() => connection.destroy())
    const closes: number[] = []
    connection.provider.on('connection-close', (event: { code: number } | null) => {
      if (event) closes.push(event.code)
    })
    await eventually(() => expect(connection.state.status).toBe('live'))
    doc.getText('t').insert(0, 'before expiry. ')

    // The first token expires after ~2 s: the server closes with TokenExpired, the client comes back.
    await eventually(() => expect(closes).toContain(4410), { timeout: 15_000 })
    await eventually(() => expect(issued.length).toBeGreaterThanOrEqual(2), { timeout: 15_000 })
    await eventually(() => expect(connection.state.status).toBe('live'), { timeout: 15_000 })
    expect(connection.state.refused).toBeNull()
    doc.getText('t').insert(doc.getText('t').length, 'after refresh.')

    const reader = await connectClient(server, 'refreshing', {
      token: await mintToken({ sub: 'bob', name: 'Bob', rooms: { '*': 'read' } }, SECRET, 60),
    })
    await eventually(() => expect(reader.text.toString()).toBe('before expiry. after refresh.'), { timeout: 15_000 })
  }, 60_000)
})

import {
  CloseCode,
  decodeCollabMessage,
  encodeReadOnlyAccess,
  encodeSyncStep1,
  encodeSyncStep2,
  MessageType,
  SyncStep,
} from '@tandem/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'

import { connectDocument, type DocumentConnection } from './document-connection.js'
import type { NetworkSignal } from './network-signal.js'
import { reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js'

/**
 * A WebSocket whose other end is the test: it plays the server's side of the y-websocket protocol
 * by hand, so each step of the handshake, each answer and each close happens exactly when the test
 * says. Only the network is simulated; the connection code under test is the real one.
 */
class ScriptedSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  static created: ScriptedSocket[] = []
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  readyState = 0
  binaryType = 'blob'
  onopen: (() => void) | null = null
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  /** Frames the client sent that the test has not handled yet. */
  unread: Uint8Array[] = []

  constructor(readonly url: string) {
    ScriptedSocket.created.push(this)
  }

  send(data: Uint8Array): void {
    this.unread.push(new Uint8Array(data))
  }

  close(): void {
    this.readyState = this.CLOSED
  }

  /** The server accepted the connection. */
  accept(): void {
    this.readyState = this.OPEN
    this.onopen?.()
  }

  /** The server sent `frame`. */
  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer })
  }

  /** The connection dropped (or the server closed it) with `code`. */
  drop(code = 1006, reason = ''): void {
    this.readyState = this.CLOSED
    this.onclose?.({ code, reason })
  }

  /** Answer everything the client sent, as a server that stores each update at once would. */
  answer(serverDoc: Y.Doc): void {
    for (const frame of this.unread.splice(0)) {
      const message = decodeCollabMessage(frame)
      if (message.type !== MessageType.Sync) continue
      if (message.step === SyncStep.Step1) this.deliver(encodeSyncStep2(Y.encodeStateAsUpdate(serverDoc, message.data)))
      else Y.applyUpdate(serverDoc, message.data)
    }
  }

  /** Step 1 frames the client sent and the test has not handled yet. */
  get unreadStep1s(): number {
    return this.unread.filter((frame) => {
      const message = decodeCollabMessage(frame)
      return message.type === MessageType.Sync && message.step === SyncStep.Step1
    }).length
  }
}

/** A network the test switches off and on. */
function switchableNetwork(): NetworkSignal & { set(online: boolean): void } {
  const listeners = new Set<(online: boolean) => void>()
  let online = true
  return {
    get online() {
      return online
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(value) {
      online = value
      for (const listener of listeners) listener(value)
    },
  }
}

const policy: ReconnectPolicy = { initialDelayMs: 1_000, maxDelayMs: 20_000, factor: 2, jitter: 0.5 }
const random = (): number => 0.25
let connection: DocumentConnection
let serverDoc: Y.Doc
let roomCounter = 0

function connect(network: NetworkSignal | null = null, getToken?: () => Promise<string>): DocumentConnection {
  connection = connectDocument({
    getToken,
    serverUrl: 'ws://tandem.test/collab',
    // Distinct rooms keep the provider's cross-tab BroadcastChannel from linking tests.
    room: `room-${++roomCounter}`,
    doc: new Y.Doc(),
    WebSocketPolyfill: ScriptedSocket as unknown as typeof WebSocket,
    reconnectPolicy: policy,
    random,
    saveCheckDelayMs: 100,
    heartbeatMs: 5_000,
    network,
  })
  return connection
}

function latestSocket(): ScriptedSocket {
  const socket = ScriptedSocket.created.at(-1)
  if (!socket) throw new Error('no socket was opened')
  return socket
}

/** Open the latest socket and run the y-websocket handshake in both directions. */
function handshake(): ScriptedSocket {
  const socket = latestSocket()
  socket.accept()
  socket.answer(serverDoc)
  socket.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)))
  socket.answer(serverDoc)
  return socket
}

function type(text: string): void {
  const shared = connection.doc.getText('t')
  shared.insert(shared.length, text)
}

beforeEach(() => {
  vi.useFakeTimers()
  ScriptedSocket.created = []
  serverDoc = new Y.Doc()
})

afterEach(() => {
  connection.destroy()
  vi.useRealTimers()
})

describe('connectDocument', () => {
  it('refuses an invalid room name', () => {
    expect(() => connectDocument({ serverUrl: 'ws://x/collab', room: 'a b', doc: new Y.Doc() })).toThrow(/may only contain/)
    connect()
  })

  it('connects to <serverUrl>/<room> and is live once the handshake is done', () => {
    connect()
    expect(connection.state.status).toBe('connecting')
    expect(latestSocket().url).toBe(`ws://tandem.test/collab/room-${roomCounter}`)
    handshake()
    expect(connection.state).toEqual({
      status: 'live',
      saved: true,
      unsavedChanges: 0,
      nextAttemptAt: null,
      refused: null,
      access: 'write',
      rateLimited: false,
      deviceOnline: true,
    })
  })

  it('counts changes left unsaved by an earlier session, and changes a local cache loads are not ours', () => {
    const cache = { name: 'indexeddb' }
    connection = connectDocument({
      serverUrl: 'ws://tandem.test/collab',
      room: `room-${++roomCounter}`,
      doc: new Y.Doc(),
      WebSocketPolyfill: ScriptedSocket as unknown as typeof WebSocket,
      reconnectPolicy: policy,
      random,
      saveCheckDelayMs: 100,
      network: null,
      isRemoteOrigin: (origin) => origin === cache,
      unsavedAtStart: 3,
    })
    expect(connection.state).toMatchObject({ saved: false, unsavedChanges: 3 })
    // What the cache held arrives before the socket is up: not a change of this page.
    connection.doc.transact(() => connection.doc.getText('t').insert(0, 'cached'), cache)
    expect(connection.state.unsavedChanges).toBe(3)
    type('!')
    expect(connection.state.unsavedChanges).toBe(4)
    // The handshake sends everything the server lacks; the next probe's answer confirms all four.
    const socket = handshake()
    expect(serverDoc.getText('t').toString()).toBe('cached!')
    expect(connection.state).toMatchObject({ status: 'live', saved: false, unsavedChanges: 4 })
    vi.advanceTimersByTime(100)
    socket.answer(serverDoc)
    expect(connection.state).toMatchObject({ saved: true, unsavedChanges: 0 })
  })

  it('knows a read-only connection from the frame the server sends first, and asks again on each new socket', () => {
    connect()
    expect(connection.state.access).toBeNull()
    latestSocket().accept()
    latestSocket().deliver(encodeReadOnlyAccess())
    expect(connection.state.access).toBe('read')
    latestSocket().answer(serverDoc)
    latestSocket().deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)))
    latestSocket().answer(serverDoc)
    expect(connection.state).toMatchObject({ status: 'live', access: 'read' })

    // A fresh token may grant more: the next socket, told nothing, is a writer's.
    latestSocket().drop(1006, '')
    vi.advanceTimersByTime(policy.maxDelayMs)
    handshake()
    expect(connection.state).toMatchObject({ status: 'live', access: 'write' })
  })

  it('reports a local change as saved only after the server answers a later sync step 1', () => {
    connect()
    const socket = handshake()
    type('hello')
    expect(connection.state.saved).toBe(false)
    socket.answer(serverDoc) // the update arrives, but the server has not confirmed anything yet
    expect(serverDoc.getText('t').toString()).toBe('hello')
    expect(connection.state.saved).toBe(false)
    vi.advanceTimersByTime(100)
    expect(socket.unreadStep1s).toBe(1)
    expect(connection.state.saved).toBe(false)
    socket.answer(serverDoc)
    expect(connection.state.saved).toBe(true)
  })

  it('keeps changes made offline, sends them on reconnect and only then reports them saved', () => {
    connect()
    handshake().drop()
    expect(connection.state.status).toBe('offline')
    expect(connection.state.nextAttemptAt).toBe(Date.now() + reconnectDelay(0, policy, random))
    type('written offline')
    expect(connection.state.saved).toBe(false)

    vi.advanceTimersByTime(reconnectDelay(0, policy, random))
    const socket = latestSocket()
    expect(ScriptedSocket.created).toHaveLength(2)
    socket.accept()
    socket.answer(serverDoc) // answers the provider's step 1, sent before the offline change went out
    expect(connection.state).toMatchObject({ status: 'live', saved: false })
    socket.deliver(encodeSyncStep1(Y.encodeStateVector(serverDoc)))
    socket.answer(serverDoc)
    expect(serverDoc.getText('t').toString()).toBe('written offline')
    expect(connection.state.saved).toBe(false)
    vi.advanceTimersByTime(100)
    socket.answer(serverDoc)
    expect(connection.state.saved).toBe(true)
  })

  it('waits a jittered, growing delay between failed attempts and starts over after a sync', () => {
    connect()
    latestSocket().drop()
    for (let attempt = 0; attempt < 4; attempt++) {
      const delay = reconnectDelay(attempt, policy, random)
      vi.advanceTimersByTime(delay - 1)
      expect(ScriptedSocket.created).toHaveLength(attempt + 1)
      vi.advanceTimersByTime(1)
      expect(ScriptedSocket.created).toHaveLength(attempt + 2)
      if (attempt < 3) latestSocket().drop()
    }
    handshake().drop()
    vi.advanceTimersByTime(reconnectDelay(0, policy, random))
    expect(ScriptedSocket.created).toHaveLength(6)
  })

  it('gives up when the server refuses for good (44xx) until asked to retry', () => {
    connect()
    handshake().drop(4403, 'forbidden')
    expect(connection.state).toMatchObject({ status: 'offline', refused: { code: 4403, reason: 'forbidden' } })
    vi.advanceTimersByTime(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(1)
    connection.reconnectNow()
    expect(ScriptedSocket.created).toHaveLength(2)
    expect(connection.state.refused).toBeNull()
  })

  it('gives up on a full document (4413) and a full server (4507) too', () => {
    connect()
    handshake().drop(CloseCode.DocumentFull, 'this document is full')
    expect(connection.state.refused).toEqual({ code: 4413, reason: 'this document is full' })
    connection.reconnectNow()
    latestSocket().drop(CloseCode.ServerFull, 'MAX_ROOMS')
    expect(connection.state.refused).toEqual({ code: 4507, reason: 'MAX_ROOMS' })
    vi.advanceTimersByTime(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(2)
  })

  it('backs off longer, but keeps trying, when the server says it is rate limited (4429)', () => {
    connect()
    handshake().drop(CloseCode.RateLimited, 'too many messages')
    const delay = reconnectDelay(4, policy, random)
    expect(connection.state).toMatchObject({ status: 'offline', refused: null, rateLimited: true, nextAttemptAt: Date.now() + delay })
    expect(delay).toBeGreaterThan(reconnectDelay(0, policy, random))
    vi.advanceTimersByTime(delay - 1)
    expect(ScriptedSocket.created).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.created).toHaveLength(2)
    handshake()
    expect(connection.state.rateLimited).toBe(false)
  })

  it('comes back within a quarter second when the server restarts (1012), then backs off as usual', () => {
    connect()
    handshake().drop(CloseCode.ServiceRestart, 'server restarting: reconnect now')
    // random() is 0.25: a quarter of the 250 ms spread, far sooner than the backoff's first wait.
    expect(connection.state).toMatchObject({ status: 'offline', refused: null, nextAttemptAt: Date.now() + 63 })
    expect(reconnectDelay(0, policy, random)).toBeGreaterThan(63)
    vi.advanceTimersByTime(62)
    expect(ScriptedSocket.created).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(ScriptedSocket.created).toHaveLength(2)
    // The restarted node is not back yet: from here on, the ordinary backoff.
    latestSocket().drop()
    vi.advanceTimersByTime(reconnectDelay(0, policy, random))
    expect(ScriptedSocket.created).toHaveLength(3)
  })

  it('drops the socket when the network goes and reconnects at once when it returns', () => {
    const network = switchableNetwork()
    connect(network)
    handshake()
    network.set(false)
    expect(connection.state).toMatchObject({ status: 'offline', deviceOnline: false })
    expect(latestSocket().readyState).toBe(ScriptedSocket.CLOSED)
    vi.advanceTimersByTime(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(1)
    network.set(true)
    expect(connection.state.deviceOnline).toBe(true)
    expect(ScriptedSocket.created).toHaveLength(2)
    handshake()
    expect(connection.state.status).toBe('live')
  })

  it('starts offline without a network and connects when it appears', () => {
    const network = switchableNetwork()
    network.set(false)
    connect(network)
    expect(connection.state.status).toBe('offline')
    expect(ScriptedSocket.created).toHaveLength(0)
    network.set(true)
    handshake()
    expect(connection.state.status).toBe('live')
  })

  it('sends a keep-alive sync step 1 on an idle socket', () => {
    connect()
    const socket = handshake()
    vi.advanceTimersByTime(5_000)
    expect(socket.unreadStep1s).toBe(1)
    socket.answer(serverDoc)
    expect(connection.state).toMatchObject({ status: 'live', saved: true })
  })

  it('stops reconnecting once destroyed', () => {
    connect()
    handshake().drop()
    connection.destroy()
    vi.advanceTimersByTime(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(1)
  })
})

/** A token source handing out `token-1`, `token-2`… or failing while `failing` is set. */
function tokenSource(): { getToken: () => Promise<string>; calls: number; failing: boolean } {
  const source = {
    calls: 0,
    failing: false,
    getToken: async (): Promise<string> => {
      source.calls++
      if (source.failing) throw new Error('the token endpoint is down')
      return `token-${source.calls}`
    },
  }
  return source
}

/** The `token` query parameter of a socket's URL. */
function tokenOf(socket: ScriptedSocket): string | null {
  return new URL(socket.url).searchParams.get('token')
}

describe('connectDocument with getToken', () => {
  it('fetches a token before every connect and sends it in the socket URL', async () => {
    const tokens = tokenSource()
    connect(null, tokens.getToken)
    expect(ScriptedSocket.created).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(0)
    expect(tokenOf(latestSocket())).toBe('token-1')
    handshake().drop()
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    expect(ScriptedSocket.created).toHaveLength(2)
    expect(tokenOf(latestSocket())).toBe('token-2')
    handshake()
    expect(connection.state.status).toBe('live')
  })

  it('reconnects with a fresh token when the token expired (4410) instead of giving up', async () => {
    const tokens = tokenSource()
    connect(null, tokens.getToken)
    await vi.advanceTimersByTimeAsync(0)
    handshake().drop(CloseCode.TokenExpired, 'token expired')
    expect(connection.state).toMatchObject({
      status: 'offline',
      refused: null,
      nextAttemptAt: Date.now() + reconnectDelay(0, policy, random),
    })
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    expect(tokenOf(latestSocket())).toBe('token-2')
    handshake()
    expect(connection.state).toMatchObject({ status: 'live', refused: null })
  })

  it('tries one fresh token after 4401 and then accepts the refusal', async () => {
    const tokens = tokenSource()
    connect(null, tokens.getToken)
    await vi.advanceTimersByTimeAsync(0)
    latestSocket().drop(CloseCode.Unauthorized, 'invalid token')
    expect(connection.state.refused).toBeNull()
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    expect(tokenOf(latestSocket())).toBe('token-2')
    latestSocket().drop(CloseCode.Unauthorized, 'invalid token')
    expect(connection.state).toMatchObject({ status: 'offline', refused: { code: CloseCode.Unauthorized, reason: 'invalid token' } })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(2)
    expect(tokens.calls).toBe(2)
  })

  it('allows the fresh-token retry again after a successful sync', async () => {
    const tokens = tokenSource()
    connect(null, tokens.getToken)
    await vi.advanceTimersByTimeAsync(0)
    latestSocket().drop(CloseCode.Unauthorized)
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    handshake().drop(CloseCode.Unauthorized)
    expect(connection.state.refused).toBeNull()
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    expect(ScriptedSocket.created).toHaveLength(3)
  })

  it('still gives up on other refusals, such as a deleted room (4404)', async () => {
    const tokens = tokenSource()
    connect(null, tokens.getToken)
    await vi.advanceTimersByTimeAsync(0)
    handshake().drop(CloseCode.RoomDeleted, 'this document was deleted')
    expect(connection.state.refused).toEqual({ code: CloseCode.RoomDeleted, reason: 'this document was deleted' })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(1)
  })

  it('backs off while no token can be had and connects once one arrives', async () => {
    const tokens = tokenSource()
    tokens.failing = true
    connect(null, tokens.getToken)
    await vi.advanceTimersByTimeAsync(0)
    expect(ScriptedSocket.created).toHaveLength(0)
    expect(connection.state).toMatchObject({ status: 'offline', nextAttemptAt: Date.now() + reconnectDelay(0, policy, random) })
    await vi.advanceTimersByTimeAsync(reconnectDelay(0, policy, random))
    expect(tokens.calls).toBe(2)
    expect(connection.state.nextAttemptAt).toBe(Date.now() + reconnectDelay(1, policy, random))
    tokens.failing = false
    await vi.advanceTimersByTimeAsync(reconnectDelay(1, policy, random))
    expect(tokenOf(latestSocket())).toBe('token-3')
    handshake()
    expect(connection.state.status).toBe('live')
  })

  it('opens no socket for a token that arrives after destroy or after the network went away', async () => {
    const network = switchableNetwork()
    const tokens = tokenSource()
    connect(network, tokens.getToken)
    network.set(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(ScriptedSocket.created).toHaveLength(0)
    network.set(true)
    connection.destroy()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(ScriptedSocket.created).toHaveLength(0)
  })

  it('without getToken, an expired token is final like any other refusal', () => {
    connect()
    handshake().drop(CloseCode.TokenExpired, 'token expired')
    expect(connection.state.refused).toEqual({ code: CloseCode.TokenExpired, reason: 'token expired' })
  })
})

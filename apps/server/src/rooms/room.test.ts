import { CloseCode, decodeCollabMessage, encodeAwarenessFrame, encodeSyncStep1, encodeSyncUpdate, MessageType, SyncStep } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { ConnectionError } from '../errors.js'
import type { AppendResult, DocumentStore, UpdateBatch } from '../storage/document-store.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { withOverrides } from '../test-support/store-overrides.js'
import type { Peer } from './peer.js'
import { ANONYMOUS, type Identity } from '../auth/identity.js'
import { Room } from './room.js'
import { UpdateWriter } from './update-writer.js'
import { eventually } from '../test-support/eventually.js'

/** A client that speaks the protocol by hand: its frames are delivered only when the test says so. */
class FakeClient implements Peer {
  access: 'read' | 'write' = 'write'
  identity: Identity = ANONYMOUS
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  readonly inbox: Uint8Array[] = []
  closed: { code: number; reason: string } | null = null
  constructor(readonly id: string) {}
  send(frame: Uint8Array): void {
    this.inbox.push(frame)
  }
  close(code: CloseCode, reason: string): void {
    this.closed = { code, reason }
  }
  /** Apply every frame the room sent so far. */
  deliver(): void {
    for (const frame of this.inbox.splice(0)) {
      const message = decodeCollabMessage(frame)
      if (message.type === MessageType.Sync && message.step !== SyncStep.Step1) Y.applyUpdate(this.doc, message.data, 'server')
      if (message.type === MessageType.Awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, message.data, 'server')
    }
  }
  /** Collect the client's own updates as frames to send. */
  recordUpdates(): Uint8Array[] {
    const frames: Uint8Array[] = []
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'server') frames.push(encodeSyncUpdate(update))
    })
    return frames
  }
}

function setup(store: DocumentStore = new MemoryDocumentStore()) {
  const failures: string[][] = []
  const persisted: AppendResult[] = []
  const writer = new UpdateWriter(store, {
    onPersisted: (results) => persisted.push(...results),
    onFailure: (names) => failures.push(names),
    onError: (error) => {
      throw error
    },
  })
  const room = new Room('doc', null, { writer })
  return { room, writer, store, failures, persisted }
}

function join(room: Room, client: FakeClient): void {
  room.add(client)
  // Answer the server's step 1 with everything the client has, as y-websocket does.
  room.receive(client, encodeSyncStep1(Y.encodeStateVector(client.doc)))
}

describe('Room', () => {
  it('converges three clients editing concurrently, and stores what it relays', async () => {
    const { room, writer, store } = setup()
    const clients = ['a', 'b', 'c'].map((id) => new FakeClient(id))
    for (const client of clients) join(room, client)
    const outboxes = clients.map((client) => client.recordUpdates())
    clients.forEach((client, i) => {
      client.doc.getText('t').insert(0, `from ${client.id}; `)
      client.doc.getText('t').insert(0, `${i}`)
    })
    clients.forEach((client, i) => outboxes[i]!.splice(0).forEach((frame) => room.receive(client, frame)))
    await writer.flushed()
    clients.forEach((client) => client.deliver())

    const texts = clients.map((client) => client.doc.getText('t').toString())
    expect(new Set(texts).size).toBe(1)
    expect(texts[0]).toContain('from a; ')
    expect(texts[0]).toContain('from c; ')
    const stored = await store.load('doc')
    const reloaded = new Y.Doc()
    for (const update of stored!.updates) Y.applyUpdate(reloaded, update)
    expect(reloaded.getText('t').toString()).toBe(texts[0])
  })

  it('relays an update only after the store has committed it', async () => {
    let commit!: () => void
    const memory = new MemoryDocumentStore()
    const slowStore: DocumentStore = withOverrides(memory, {
      appendUpdates: async (batches: readonly UpdateBatch[]) => {
        await new Promise<void>((resolve) => (commit = resolve))
        return memory.appendUpdates(batches)
      },
    })
    const { room, writer } = setup(slowStore)
    const [a, b] = [new FakeClient('a'), new FakeClient('b')]
    room.add(a)
    room.add(b)
    b.inbox.length = 0
    const frames = a.recordUpdates()
    a.doc.getText('t').insert(0, 'durable first')
    room.receive(a, frames[0]!)

    await eventually(() => expect(commit).toBeTypeOf('function'))
    expect(b.inbox).toHaveLength(0)
    expect(await memory.load('doc')).toBeNull()
    commit()
    await writer.flushed()
    b.deliver()
    expect(b.doc.getText('t').toString()).toBe('durable first')
  })

  it('coalesces the updates of one batch from one client into one frame', async () => {
    const { room, writer } = setup()
    const [a, b] = [new FakeClient('a'), new FakeClient('b')]
    room.add(a)
    room.add(b)
    b.inbox.length = 0
    const frames = a.recordUpdates()
    for (const char of 'hello') a.doc.getText('t').insert(a.doc.getText('t').length, char)
    for (const frame of frames) room.receive(a, frame)
    await writer.flushed()
    expect(b.inbox).toHaveLength(1)
    expect(a.inbox.filter((f) => decodeCollabMessage(f).type === MessageType.Sync)).toHaveLength(1) // only the server's step 1
    b.deliver()
    expect(b.doc.getText('t').toString()).toBe('hello')
  })

  it('never relays updates whose write failed, and reports the room', async () => {
    const memory = new MemoryDocumentStore()
    const failing: DocumentStore = withOverrides(memory, {
      appendUpdates: async () => {
        throw new Error('disk full')
      },
    })
    const { room, writer, failures } = setup(failing)
    const [a, b] = [new FakeClient('a'), new FakeClient('b')]
    room.add(a)
    room.add(b)
    b.inbox.length = 0
    const frames = a.recordUpdates()
    a.doc.getText('t').insert(0, 'lost?')
    room.receive(a, frames[0]!)
    await writer.flushed()
    expect(failures).toEqual([['doc']])
    expect(b.inbox).toHaveLength(0)
  })

  it('rejects garbage with typed errors and leaves the document untouched', () => {
    const { room } = setup()
    const a = new FakeClient('a')
    room.add(a)
    const before = Y.encodeStateAsUpdate(room.doc)
    const cases: Array<[Uint8Array, number]> = [
      [new Uint8Array([MessageType.Sync, SyncStep.Update, 3, 1, 2]), CloseCode.MalformedMessage],
      [new Uint8Array([77]), CloseCode.UnknownMessageType],
      [encodeSyncUpdate(new Uint8Array([200, 1, 5, 9, 9, 9, 9])), CloseCode.InvalidUpdate],
      [encodeAwarenessFrame(new Uint8Array([5, 1])), CloseCode.MalformedMessage],
    ]
    for (const [frame, code] of cases) {
      let caught: unknown
      try {
        room.receive(a, frame)
      } catch (error) {
        caught = error
      }
      expect(caught, `frame ${Array.from(frame)}`).toBeInstanceOf(ConnectionError)
      expect((caught as ConnectionError).closeCode).toBe(code)
    }
    expect(Y.encodeStateAsUpdate(room.doc)).toEqual(before)
  })

  it('tracks awareness per peer and removes it for everyone when the peer leaves', () => {
    const { room } = setup()
    const [a, b] = [new FakeClient('a'), new FakeClient('b')]
    room.add(a)
    room.add(b)
    a.awareness.setLocalState({ user: { name: 'Ada' } })
    room.receive(a, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(a.awareness, [a.doc.clientID])))
    b.deliver()
    expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Ada' } })

    room.remove(a)
    b.deliver()
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false)
    expect(room.awareness.getStates().has(a.doc.clientID)).toBe(false)
  })

  it('loads a stored snapshot plus log without writing it back', async () => {
    const source = new Y.Doc()
    source.getText('t').insert(0, 'snap')
    const snapshot = Y.encodeStateAsUpdate(source)
    const sv = Y.encodeStateVector(source)
    source.getText('t').insert(4, 'shot+log')
    const log = Y.encodeStateAsUpdate(source, sv)
    const store = new MemoryDocumentStore()
    const writer = new UpdateWriter(store, { onPersisted: () => {}, onFailure: () => {}, onError: () => {} })
    const room = new Room('doc', { snapshot, updates: [log], lastSeq: 7 }, { writer })
    await writer.flushed()
    expect(room.doc.getText('t').toString()).toBe('snapshot+log')
    expect(room.persisted).toEqual({ lastSeq: 7, logRows: 1, logBytes: log.byteLength })
    expect(await store.load('doc')).toBeNull()
  })

  it('echoes awareness to its sender too, as the stock server does, so a lone client keeps hearing from the server', () => {
    const { room } = setup()
    const alone = new FakeClient('alone')
    room.add(alone)
    alone.inbox.length = 0
    alone.awareness.setLocalState({ user: { name: 'Solo' } })
    room.receive(alone, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(alone.awareness, [alone.doc.clientID])))
    expect(alone.inbox.map((frame) => decodeCollabMessage(frame).type)).toEqual([MessageType.Awareness])
  })

  it('lets a reconnecting client take over its cursor from its own stale connection', () => {
    const { room } = setup()
    const [stale, watcher] = [new FakeClient('stale'), new FakeClient('watcher')]
    room.add(stale)
    room.add(watcher)
    stale.awareness.setLocalState({ user: { name: 'Ada' } })
    const frame = () => encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(stale.awareness, [stale.doc.clientID]))
    room.receive(stale, frame())
    // The same client (same Y.Doc, same client id) comes back on a new socket before the old one is noticed dead.
    const fresh = Object.assign(new FakeClient('fresh'), { doc: stale.doc, awareness: stale.awareness })
    room.add(fresh)
    stale.awareness.setLocalStateField('cursor', { at: 3 })
    room.receive(fresh, frame())
    watcher.deliver()
    expect(watcher.awareness.getStates().get(stale.doc.clientID)).toEqual({ user: { name: 'Ada' }, cursor: { at: 3 } })
    // The stale socket finally closes: the cursor now belongs to the fresh one and stays.
    room.remove(stale)
    watcher.deliver()
    expect(watcher.awareness.getStates().has(stale.doc.clientID)).toBe(true)
    room.remove(fresh)
    watcher.deliver()
    expect(watcher.awareness.getStates().has(stale.doc.clientID)).toBe(false)
  })

  it("never lets another user's connection take over a cursor", () => {
    const { room } = setup()
    const ada = Object.assign(new FakeClient('ada'), { identity: user('ada') })
    const mallory = Object.assign(new FakeClient('mallory'), { identity: user('mallory') })
    const watcher = new FakeClient('watcher')
    for (const peer of [ada, mallory, watcher]) room.add(peer)
    ada.awareness.setLocalState({ user: { name: 'Ada' } })
    room.receive(ada, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(ada.awareness, [ada.doc.clientID])))
    ada.awareness.setLocalState({ user: { name: 'Hijacked' } })
    room.receive(mallory, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(ada.awareness, [ada.doc.clientID])))
    watcher.deliver()
    // Still Ada's state, with her name stamped from her identity; Mallory's frame changed nothing.
    expect(watcher.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { name: 'ada' } })
  })
})

function user(id: string): Identity {
  return { kind: 'user', id, name: id, color: null, rooms: null, channels: null, expiresAt: Date.now() + 60_000 }
}

import {
  CloseCode,
  decodeCollabMessage,
  encodeAwarenessFrame,
  encodeSyncStep1,
  encodeSyncUpdate,
  MessageType,
  SyncStep,
} from '@tandem/protocol'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

import type { Identity } from '../auth/identity.js'
import { ConnectionError } from '../errors.js'
import type { AppendResult, DocumentStore, UpdateBatch } from '../storage/document-store.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { eventually } from '../test-support/eventually.js'
import { FakeClient } from '../test-support/fake-client.js'
import { insertsAtStart } from '../test-support/inserts-at-start.js'
import { withOverrides } from '../test-support/store-overrides.js'
import { EncodeBudget } from './encode-budget.js'
import { Room, type RoomDeps } from './room.js'
import { UpdateWriter } from './update-writer.js'

function setup(store: DocumentStore = new MemoryDocumentStore(), deps: Partial<RoomDeps> = {}) {
  const failures: string[][] = []
  const persisted: AppendResult[] = []
  const writer = new UpdateWriter(store, {
    onPersisted: (results) => persisted.push(...results),
    onFailure: (names) => failures.push(names),
    onError: (error) => {
      throw error
    },
  })
  const room = new Room('doc', null, { writer, ...deps })
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
      expect(caught, `frame ${Array.from(frame).join(',')}`).toBeInstanceOf(ConnectionError)
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
    expect(room.persisted).toEqual({ lastSeq: 7, logRows: 1, logBytes: log.byteLength, snapshotBytes: 0 })
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

  it('never lets an anonymous connection from another address take over a cursor in open mode', () => {
    const { room } = setup()
    const ada = Object.assign(new FakeClient('ada'), { address: '10.0.0.1' })
    const mallory = Object.assign(new FakeClient('mallory'), { address: '10.0.0.66' })
    const watcher = new FakeClient('watcher')
    // A newer clock for Ada's id, from someone else: before, every anonymous peer counted as Ada.
    attemptCursorTakeover(room, ada, mallory, watcher)
    expect(watcher.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { name: 'Ada' } })
    room.remove(ada)
    watcher.deliver()
    expect(watcher.awareness.getStates().has(ada.doc.clientID)).toBe(false)
  })

  it("never lets another user's connection take over a cursor", () => {
    const { room } = setup()
    const ada = Object.assign(new FakeClient('ada'), { identity: user('ada') })
    const mallory = Object.assign(new FakeClient('mallory'), { identity: user('mallory') })
    const watcher = new FakeClient('watcher')
    attemptCursorTakeover(room, ada, mallory, watcher)
    // Still Ada's state, with her name stamped from her identity; Mallory's frame changed nothing.
    expect(watcher.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { id: 'ada', name: 'ada' } })
  })
})

/** Ada announces her cursor; Mallory sends a newer clock for Ada's id; the watcher takes in what the room relayed. */
function attemptCursorTakeover(room: Room, ada: FakeClient, mallory: FakeClient, watcher: FakeClient): void {
  for (const peer of [ada, mallory, watcher]) room.add(peer)
  ada.awareness.setLocalState({ user: { name: 'Ada' } })
  room.receive(ada, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(ada.awareness, [ada.doc.clientID])))
  ada.awareness.setLocalState({ user: { name: 'Hijacked' } })
  room.receive(mallory, encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(ada.awareness, [ada.doc.clientID])))
  watcher.deliver()
}

/** The sync messages `client` received so far, decoded. */
function syncMessages(client: FakeClient) {
  return client.inbox.map((frame) => decodeCollabMessage(frame)).filter((message) => message.type === MessageType.Sync)
}

/** A text of about `bytes` bytes of updates, written in many small edits. */
function documentOf(bytes: number): Uint8Array {
  const source = new Y.Doc()
  const text = source.getText('t')
  for (let i = 0; i % 100 !== 0 || Y.encodeStateAsUpdate(source).byteLength < bytes; i++)
    text.insert((i * 7) % (text.length + 1), `word${i} `)
  return Y.encodeStateAsUpdate(source)
}

/** A client that filled `room` with a document of about `bytes`, durable once this resolves. */
async function seedDocument(room: Room, writer: UpdateWriter, bytes: number): Promise<FakeClient> {
  const seed = new FakeClient('seed')
  room.add(seed)
  room.receive(seed, encodeSyncUpdate(documentOf(bytes)))
  await writer.flushed()
  // Integrating it was charged to this turn's encoding allowance: start the test on a fresh turn.
  await new Promise((resolve) => setImmediate(resolve))
  return seed
}

function awarenessFrame(entries: Array<[clientId: number, clock: number, state: unknown]>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, JSON.stringify(state))
  }
  return encodeAwarenessFrame(encoding.toUint8Array(encoder))
}

function closeCodeOf(run: () => unknown): number | null {
  try {
    run()
    return null
  } catch (error) {
    if (error instanceof ConnectionError) return error.closeCode
    throw error
  }
}

describe('Room sync step 1 answers', () => {
  it('answers a burst of step 1s with one encoding: one step 2 each, in order, only the first carrying the document', async () => {
    const { room, writer } = setup()
    await seedDocument(room, writer, 30_000)
    const docBytes = Y.encodeStateAsUpdate(room.doc).byteLength
    const probe = new FakeClient('probe')
    room.add(probe)
    probe.inbox.length = 0
    for (let i = 0; i < 500; i++) room.receive(probe, encodeSyncStep1(Y.encodeStateVector(probe.doc)))
    await writer.flushed()

    const answers = syncMessages(probe)
    expect(answers.map((message) => message.type === MessageType.Sync && message.step)).toEqual(Array(500).fill(SyncStep.Step2))
    // Before: 500 full encodings held until the flush, 500 × the document on the wire.
    const sent = probe.inbox.reduce((sum, frame) => sum + frame.byteLength, 0)
    expect(sent).toBeLessThan(docBytes + 500 * 8)
    probe.deliver()
    expect(probe.doc.getText('t').toString()).toBe(room.doc.getText('t').toString())
  })

  it('spreads the answers of many connections asking at once over turns of the event loop', async () => {
    // An allowance so small that one encoding uses it up: each turn answers one connection.
    const { room, writer } = setup(undefined, { encodeBudget: new EncodeBudget(0.000_001) })
    await seedDocument(room, writer, 20_000)
    const probes = Array.from({ length: 5 }, (_, i) => new FakeClient(`probe${i}`))
    for (const probe of probes) {
      room.add(probe)
      probe.inbox.length = 0
      room.receive(probe, encodeSyncStep1(Y.encodeStateVector(probe.doc)))
    }
    await writer.flushed()
    const answered = (): number => probes.filter((probe) => syncMessages(probe).length > 0).length
    // Before: all five encoded in the same turn, however long that took.
    expect(answered()).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(answered()).toBe(2)
    await eventually(() => expect(answered()).toBe(5))
    for (const probe of probes) {
      probe.deliver()
      expect(probe.doc.getText('t').toString()).toBe(room.doc.getText('t').toString())
    }
  })

  it('does not send a connection the same answer twice: a repeated step 1 of an unchanged document gets an empty step 2', async () => {
    const { room, writer } = setup()
    const seed = await seedDocument(room, writer, 20_000)
    const probe = new FakeClient('probe')
    room.add(probe)
    probe.inbox.length = 0
    const askFromScratch = async (): Promise<Uint8Array> => {
      const before = syncMessages(probe).length
      room.receive(probe, encodeSyncStep1(Y.encodeStateVector(new Y.Doc())))
      await writer.flushed()
      await eventually(() => expect(syncMessages(probe)).toHaveLength(before + 1))
      return probe.inbox.at(-1)!
    }
    const first = await askFromScratch()
    expect(first.byteLength).toBeGreaterThan(10_000)
    // Before: the whole document again for every step 1 that arrived in a turn of its own.
    for (let i = 0; i < 5; i++) expect((await askFromScratch()).byteLength).toBeLessThan(16)
    // Once the document changed, the answer is a real one again.
    room.receive(seed, encodeSyncUpdate(documentOf(1_000)))
    await writer.flushed()
    expect((await askFromScratch()).byteLength).toBeGreaterThan(10_000)
    probe.deliver()
    expect(probe.doc.getText('t').toString()).toBe(room.doc.getText('t').toString())
  })

  it('answers state vectors naming unknown clients or future clocks like the ones they amount to', async () => {
    const { room, writer } = setup()
    await seedDocument(room, writer, 5_000)
    const [author] = [...Y.decodeStateVector(Y.encodeStateVector(room.doc))][0]!
    const docClock = Y.getState(room.doc.store, author)
    const answerTo = async (stateVector: Map<number, number>): Promise<Uint8Array> => {
      const probe = new FakeClient(`probe${stateVector.size}${[...stateVector.values()].join()}`)
      room.add(probe)
      probe.inbox.length = 0
      room.receive(probe, encodeSyncStep1(Y.encodeStateVector(stateVector)))
      await writer.flushed()
      await eventually(() => expect(syncMessages(probe)).toHaveLength(1))
      room.remove(probe)
      return probe.inbox.at(-1)!
    }
    const fresh = await answerTo(new Map())
    // A made-up client changes nothing: the fresh client's answer, whole.
    expect(await answerTo(new Map([[424242, 7]]))).toEqual(fresh)
    expect(
      await answerTo(
        new Map([
          [424242, 7],
          [author, 0],
        ]),
      ),
    ).toEqual(fresh)
    // A clock past the document's asks for nothing more than being up to date does.
    expect(await answerTo(new Map([[author, docClock + 1_000_000]]))).toEqual(await answerTo(new Map([[author, docClock]])))
    expect((await answerTo(new Map([[author, docClock]]))).byteLength).toBeLessThan(fresh.byteLength)
  })

  it('paces the answers of a connection that varies its state vector to defeat coalescing', async () => {
    // The seed document is one update of ~5k scattered words, more than MAX_UPDATE_STRUCTS' default.
    const { room, writer } = setup(undefined, { maxUpdateStructs: 100_000 })
    await seedDocument(room, writer, 100_000)
    const probe = new FakeClient('probe')
    room.add(probe)
    probe.inbox.length = 0
    // One step 1 per write batch, each with a state vector never seen before (a made-up client id).
    for (let i = 0; i < 100; i++) {
      const stateVector = encoding.createEncoder()
      encoding.writeVarUint(stateVector, 1)
      encoding.writeVarUint(stateVector, 1_000_000 + i)
      encoding.writeVarUint(stateVector, 1)
      room.receive(probe, encodeSyncStep1(encoding.toUint8Array(stateVector)))
      await writer.flushed()
    }
    await eventually(() => expect(syncMessages(probe)).toHaveLength(100))
    // Every step 1 got its step 2, but only a few of them had to encode the document.
    const full = probe.inbox.filter((frame) => frame.byteLength > 1000)
    expect(full.length).toBeLessThan(20)
    probe.deliver()
    expect(probe.doc.getText('t').toString()).toBe(room.doc.getText('t').toString())
  })

  it('encodes the answer when it is sent, so it carries what was stored in the same batch', async () => {
    const { room, writer } = setup()
    const [probe, writerClient] = [new FakeClient('probe'), new FakeClient('writer')]
    room.add(probe)
    room.add(writerClient)
    probe.inbox.length = 0
    room.receive(probe, encodeSyncStep1(Y.encodeStateVector(probe.doc)))
    const frames = writerClient.recordUpdates()
    writerClient.doc.getText('t').insert(0, 'same batch')
    room.receive(writerClient, frames[0]!)
    await writer.flushed()
    const [answer] = syncMessages(probe).filter((message) => message.type === MessageType.Sync && message.step === SyncStep.Step2)
    const fromAnswer = new Y.Doc()
    Y.applyUpdate(fromAnswer, (answer as { data: Uint8Array }).data)
    expect(fromAnswer.getText('t').toString()).toBe('same batch')
  })

  it('skips the answer of a connection that is closing', async () => {
    const { room, writer } = setup()
    const probe = new FakeClient('probe')
    room.add(probe)
    probe.inbox.length = 0
    room.receive(probe, encodeSyncStep1(new Uint8Array([0])))
    probe.close(CloseCode.Normal, 'bye')
    await writer.flushed()
    expect(probe.inbox).toHaveLength(0)
  })

  it('never sends an answer before everything in the document is durable, even across write batches', async () => {
    const memory = new MemoryDocumentStore()
    const gates: Array<() => void> = []
    const gated: DocumentStore = withOverrides(memory, {
      appendUpdates: async (batches: readonly UpdateBatch[]) => {
        await new Promise<void>((resolve) => gates.push(resolve))
        return memory.appendUpdates(batches)
      },
    })
    const { room, writer } = setup(gated)
    const [a, b] = [new FakeClient('a'), new FakeClient('b')]
    room.add(a)
    room.add(b)
    a.inbox.length = 0
    const aFrames = a.recordUpdates()
    a.doc.getText('t').insert(0, 'first ')
    room.receive(a, aFrames[0]!)
    room.receive(a, encodeSyncStep1(Y.encodeStateVector(a.doc)))
    await eventually(() => expect(gates).toHaveLength(1)) // batch 1 is being written
    const bFrames = b.recordUpdates()
    b.doc.getText('t').insert(0, 'second ')
    room.receive(b, bFrames[0]!) // lands in batch 2, already in the doc
    gates[0]!()
    // Batch 1 is durable and batch 2 is being written: the doc holds batch 2, so the answer waits for it.
    await eventually(() => expect(gates).toHaveLength(2))
    expect(syncMessages(a).filter((m) => m.type === MessageType.Sync && m.step === SyncStep.Step2)).toHaveLength(0)
    gates[1]!()
    await writer.flushed()
    await eventually(() => expect(syncMessages(a).filter((m) => m.type === MessageType.Sync && m.step === SyncStep.Step2)).toHaveLength(1))
    const stored = new Y.Doc()
    for (const update of (await memory.load('doc'))!.updates) Y.applyUpdate(stored, update)
    expect(stored.getText('t').toString()).toContain('second')
  })
})

describe('Room awareness limits', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('never throws on hostile user shapes, not even when presence is computed or a peer leaves', () => {
    let presenceChanges = 0
    const { room } = setup(undefined, { onPresenceChange: () => presenceChanges++ })
    const [eve, watcher] = [new FakeClient('eve'), new FakeClient('watcher')]
    room.add(eve)
    room.add(watcher)
    // `String({ toString: 1 })` throws: the old presence signature did exactly that.
    for (const user of [{ name: 'Eve', color: { toString: 1 } }, { name: { valueOf: 1 } }, 'Eve', [1], null]) {
      expect(() => room.receive(eve, awarenessFrame([[eve.doc.clientID, presenceChanges + 10, { user }]]))).not.toThrow()
    }
    room.receive(eve, awarenessFrame([[eve.doc.clientID, 99, { user: { name: 'Eve', color: { toString: 1 } } }]]))
    watcher.deliver()
    expect(watcher.awareness.getStates().get(eve.doc.clientID)).toEqual({ user: { name: 'Eve' } })
    expect(room.announcedColor(eve)).toBeNull()
    expect(() => room.remove(eve)).not.toThrow()
    expect(presenceChanges).toBeGreaterThan(0)
  })

  it('tells of presence when names, colours or people change, never for a cursor move', () => {
    let presenceChanges = 0
    const { room } = setup(undefined, { onPresenceChange: () => presenceChanges++ })
    const [ann, bob] = [new FakeClient('ann'), new FakeClient('bob')]
    room.add(ann)
    room.add(bob)
    const announce = (client: FakeClient, clock: number, user: unknown, cursor = 0): void => {
      room.receive(client, awarenessFrame([[client.doc.clientID, clock, { user, cursor }]]))
    }
    announce(ann, 1, { name: 'Ann', color: '#aa0000' })
    announce(bob, 1, { name: 'Bob', color: '#0000aa' })
    expect(presenceChanges).toBe(2)
    for (let clock = 2; clock < 10; clock++) announce(ann, clock, { name: 'Ann', color: '#aa0000' }, clock)
    expect(presenceChanges).toBe(2)
    announce(ann, 10, { name: 'Ann', color: '#00aa00' })
    announce(bob, 2, { name: 'Robert', color: '#0000aa' })
    expect(presenceChanges).toBe(4)
    room.remove(ann)
    expect(presenceChanges).toBe(5)
  })

  it('closes a connection that announces more client ids than it may; past the room cap, new ids are left out', () => {
    const { room } = setup(undefined, {
      awarenessLimits: { maxEntries: 16, maxStateBytes: 8192, maxIdsPerConnection: 4, maxIdsPerRoom: 6 },
    })
    const [a, b, c] = [new FakeClient('a'), new FakeClient('b'), new FakeClient('c')]
    for (const peer of [a, b, c]) room.add(peer)
    const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => [from + i, 1, { i }] as [number, number, unknown])
    expect(closeCodeOf(() => room.receive(a, awarenessFrame(ids(100, 5))))).toBe(CloseCode.RateLimited)
    expect(room.awareness.getStates().size).toBe(0)
    expect(closeCodeOf(() => room.receive(a, awarenessFrame(ids(100, 4))))).toBeNull()
    // Renewing its own ids is not introducing new ones; clearing one does not free room for a fresh one.
    expect(closeCodeOf(() => room.receive(a, awarenessFrame(ids(100, 4).map(([id, , state]) => [id, 2, state]))))).toBeNull()
    expect(closeCodeOf(() => room.receive(a, awarenessFrame([[100, 3, null]])))).toBeNull()
    expect(room.awareness.getStates().has(100)).toBe(false)
    expect(closeCodeOf(() => room.receive(a, awarenessFrame([[150, 1, { fresh: true }]])))).toBe(CloseCode.RateLimited)
    expect(closeCodeOf(() => room.receive(a, awarenessFrame([[100, 4, { back: true }]])))).toBeNull()
    expect(closeCodeOf(() => room.receive(b, awarenessFrame(ids(200, 2))))).toBeNull()
    // The room is full: c stays connected (it can still edit), its cursor is just not shown.
    expect(room.receive(c, awarenessFrame(ids(300, 1)))).toBe('accepted')
    expect(room.awareness.getStates().has(300)).toBe(false)
    room.remove(a)
    expect(room.receive(c, awarenessFrame(ids(300, 1)))).toBe('accepted')
    expect(room.awareness.getStates().has(300)).toBe(true)
  })

  it("tells the echoes a stock client sends back from a client's own awareness traffic", () => {
    const { room } = setup()
    const [ada, bob] = [new FakeClient('ada'), new FakeClient('bob')]
    room.add(ada)
    room.add(bob)
    const relayed = awarenessFrame([[ada.doc.clientID, 1, { user: { name: 'Ada' } }]])
    expect(room.receive(ada, relayed)).toBe('accepted')
    // Bob was sent Ada's state and sends it straight back, as y-websocket does: an echo.
    expect(room.receive(bob, relayed)).toBe('echo')
    // The same frame again finds no credit left: it is charged like any other frame.
    expect(room.receive(bob, relayed)).toBe('accepted')
    expect(room.receive(bob, awarenessFrame([[bob.doc.clientID, 1, { user: { name: 'Bob' } }]]))).toBe('accepted')
  })

  it('sends a full room its awareness in frames of at most maxEntries states, encoded once per change', () => {
    const { room } = setup(undefined, {
      awarenessLimits: { maxEntries: 4, maxStateBytes: 8192, maxIdsPerConnection: 4, maxIdsPerRoom: 256 },
    })
    const holders = [0, 1, 2].map((h) => new FakeClient(`h${h}`))
    holders.forEach((holder, h) => {
      room.add(holder)
      room.receive(
        holder,
        awarenessFrame([0, 1, 2, 3].map((k) => [100 + h * 4 + k, 1, { user: { name: `h${h}` } }] as [number, number, unknown])),
      )
    })
    const [first, second] = [new FakeClient('first'), new FakeClient('second')]
    room.add(first)
    first.inbox.splice(0, 1) // the step 1
    expect(first.inbox).toHaveLength(3)
    expect(first.inbox.map((frame) => decodeCollabMessage(frame).type)).toEqual([
      MessageType.Awareness,
      MessageType.Awareness,
      MessageType.Awareness,
    ])
    first.deliver()
    expect(first.awareness.getStates().size).toBe(12 + 1)
    // A query, or the next joiner, gets the very same bytes while nothing changed.
    room.receive(first, new Uint8Array([MessageType.QueryAwareness]))
    room.add(second)
    expect(first.inbox[0]).toBe(second.inbox[1])
  })

  it('forgets the awareness clocks of ids that left, and never records ids nobody uses', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { room } = setup()
    const baseline = room.awareness.meta.size
    for (let i = 0; i < 50; i++) {
      const visitor = new FakeClient(`v${i}`)
      room.add(visitor)
      room.receive(visitor, awarenessFrame([[1000 + i, 1, { user: { name: `v${i}` } }]]))
      room.remove(visitor)
    }
    // Removals of ids that are not there: stock clients echo removals; a flood must not grow `meta`.
    const noisy = new FakeClient('noisy')
    room.add(noisy)
    room.receive(noisy, awarenessFrame(Array.from({ length: 16 }, (_, i) => [5000 + i, 7, null] as [number, number, unknown])))
    expect(room.awareness.meta.size).toBeLessThanOrEqual(baseline + 50)
    vi.setSystemTime(Date.now() + 31_000)
    room.remove(noisy)
    expect(room.awareness.meta.size).toBe(baseline)
  })
})

describe('Room update size', () => {
  /** One update holding `count` separate structs: single-character inserts, each at the front. */
  function scattered(count: number): Uint8Array {
    const author = new Y.Doc()
    const text = author.getText('t')
    author.transact(() => {
      for (let i = 0; i < count; i++) text.insert(0, 'x')
    })
    return Y.encodeStateAsUpdate(author)
  }

  it('refuses an update carrying more parts than MAX_UPDATE_STRUCTS whole, and takes one at the limit', () => {
    const { room } = setup(undefined, { maxUpdateStructs: 500 })
    const client = new FakeClient('author')
    room.add(client)
    // One client and its structs: 1 + 500 parts.
    expect(closeCodeOf(() => room.receive(client, encodeSyncUpdate(scattered(500))))).toBe(CloseCode.InvalidUpdate)
    expect(room.doc.getText('t').length).toBe(0)
    expect(closeCodeOf(() => room.receive(client, encodeSyncUpdate(scattered(499))))).toBeNull()
    expect(room.doc.getText('t').length).toBe(499)
  })

  it('counts each client an update names, so thousands of one-struct clients cost what they weigh', () => {
    const { room } = setup(undefined, { maxUpdateStructs: 500 })
    const client = new FakeClient('author')
    room.add(client)
    const manyClients = (count: number): Uint8Array =>
      Y.mergeUpdates(
        Array.from({ length: count }, (_, i) => {
          const author = new Y.Doc()
          author.clientID = 1000 + i
          author.getText('t').insert(0, 'x')
          return Y.encodeStateAsUpdate(author)
        }),
      )
    expect(closeCodeOf(() => room.receive(client, encodeSyncUpdate(manyClients(251))))).toBe(CloseCode.InvalidUpdate)
    expect(closeCodeOf(() => room.receive(client, encodeSyncUpdate(manyClients(250))))).toBeNull()
    expect(room.doc.getText('t').length).toBe(250)
  })

  it('counts deleted ranges as well as structs', () => {
    const { room } = setup(undefined, { maxUpdateStructs: 100 })
    const client = new FakeClient('author')
    room.add(client)
    const deletes = encoding.createEncoder()
    encoding.writeVarUint(deletes, 0)
    encoding.writeVarUint(deletes, 1)
    encoding.writeVarUint(deletes, 424242)
    encoding.writeVarUint(deletes, 101)
    for (let i = 0; i < 101; i++) {
      encoding.writeVarUint(deletes, 10 * i)
      encoding.writeVarUint(deletes, 1)
    }
    expect(closeCodeOf(() => room.receive(client, encodeSyncUpdate(encoding.toUint8Array(deletes))))).toBe(CloseCode.InvalidUpdate)
  })
})

describe('Room update cost', () => {
  it('closes a connection whose updates cost the server more than MAX_APPLY_MS_PER_MINUTE, keeping what it applied', async () => {
    const { room, writer } = setup(undefined, { maxApplyMsPerMinute: 50 })
    const attacker = new FakeClient('attacker')
    room.add(attacker)
    // Yjs scans every concurrent insert already at a spot: each batch from a new client at the start
    // of the text costs (items already there) × (items sent); the second costs ~1,000,000 steps.
    let code: number | null = null
    let sent = 0
    while (code === null && sent < 10) {
      code = closeCodeOf(() => room.receive(attacker, encodeSyncUpdate(insertsAtStart(1000, 9000 + sent))))
      sent++
    }
    expect(code).toBe(CloseCode.RateLimited)
    expect(sent).toBeLessThanOrEqual(3)
    // The update that overdrew was valid: it stays, and is stored like any other.
    expect(room.doc.getText('t').length).toBe(sent * 1000)
    await writer.flushed()
  })

  it('never closes a connection for ordinary typing', () => {
    const { room } = setup(undefined, { maxApplyMsPerMinute: 50 })
    const typist = new FakeClient('typist')
    room.add(typist)
    const updates = typist.recordUpdates()
    for (let i = 0; i < 300; i++) typist.doc.getText('t').insert(i, 'a')
    for (const frame of updates) expect(closeCodeOf(() => room.receive(typist, frame))).toBeNull()
    expect(room.doc.getText('t').length).toBe(300)
  })
})

describe('Room pending updates', () => {
  /** Updates of one author, each depending on the one before. */
  function chain(count: number): Uint8Array[] {
    const author = new Y.Doc()
    const updates: Uint8Array[] = []
    author.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < count; i++) author.getText('t').insert(author.getText('t').length, `line ${i} `.repeat(4))
    return updates
  }

  it('refuses updates whose missing dependencies would pile up past the budget, and drops pending state when their sender leaves', () => {
    const { room } = setup(undefined, { maxPendingUpdateBytes: 2048 })
    const [mallory, honest] = [new FakeClient('mallory'), new FakeClient('honest')]
    room.add(mallory)
    room.add(honest)
    const updates = chain(200)
    // The first update never arrives: every later one waits for it.
    let code: number | null = null
    let sent = 0
    for (const update of updates.slice(1)) {
      code = closeCodeOf(() => room.receive(mallory, encodeSyncUpdate(update)))
      if (code !== null) break
      sent++
    }
    expect(code).toBe(CloseCode.InvalidUpdate)
    expect(sent).toBeLessThan(199)
    expect(room.pendingUpdateBytes).toBeGreaterThan(0)
    expect(room.pendingUpdateBytes).toBeLessThanOrEqual(2048)

    // Deletes of clocks that do not exist wait too, and count against the same budget.
    const deletes = encoding.createEncoder()
    encoding.writeVarUint(deletes, 0)
    encoding.writeVarUint(deletes, 1)
    encoding.writeVarUint(deletes, 424242)
    encoding.writeVarUint(deletes, 1000)
    for (let i = 0; i < 1000; i++) {
      encoding.writeVarUint(deletes, 10 * i)
      encoding.writeVarUint(deletes, 1)
    }
    expect(closeCodeOf(() => room.receive(mallory, encodeSyncUpdate(encoding.toUint8Array(deletes))))).toBe(CloseCode.InvalidUpdate)
    expect(room.pendingUpdateBytes).toBeLessThanOrEqual(2048)

    room.remove(mallory)
    expect(room.pendingUpdateBytes).toBe(0)
    const frames = honest.recordUpdates()
    honest.doc.getText('t').insert(0, 'still editing')
    room.receive(honest, frames[0]!)
    expect(room.doc.getText('t').toString()).toBe('still editing')
  })

  it('still holds updates that arrive before their dependency, within the budget', () => {
    const { room } = setup()
    const client = new FakeClient('client')
    room.add(client)
    const [first, second] = chain(2)
    room.receive(client, encodeSyncUpdate(second!))
    expect(room.pendingUpdateBytes).toBeGreaterThan(0)
    room.receive(client, encodeSyncUpdate(first!))
    expect(room.pendingUpdateBytes).toBe(0)
    expect(room.doc.getText('t').toString()).toBe(`${'line 0 '.repeat(4)}${'line 1 '.repeat(4)}`)
  })
})

function user(id: string): Identity {
  return { kind: 'user', id, name: id, color: null, rooms: null, channels: null, expiresAt: Date.now() + 60_000 }
}

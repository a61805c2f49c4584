import { CloseCode, encodeSyncUpdate } from '@tandem/protocol'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'

import { ANONYMOUS, type Identity } from '../auth/identity.js'
import { createLogger } from '../logger.js'
import type { DocumentStore, StoredDocument } from '../storage/document-store.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { eventually } from '../test-support/eventually.js'
import { insertsAtStart } from '../test-support/inserts-at-start.js'
import { withOverrides } from '../test-support/store-overrides.js'
import { DocumentMirrors } from './document-mirrors.js'
import type { Peer } from './peer.js'
import { RoomRegistry, type RoomRegistryOptions } from './room-registry.js'

class SilentPeer implements Peer {
  access: 'read' | 'write' = 'write'
  identity: Identity = ANONYMOUS
  closedWith: number | null = null
  constructor(readonly id: string) {}
  get open(): boolean {
    return this.closedWith === null
  }
  readyToSend(): boolean {
    return this.open
  }
  send(): void {}
  close(code: CloseCode): void {
    this.closedWith = code
  }
}

function registry(overrides: Partial<RoomRegistryOptions> = {}) {
  const store = overrides.store ?? new MemoryDocumentStore()
  return {
    store,
    registry: new RoomRegistry({
      store,
      logger: createLogger('silent'),
      idleMs: 20,
      compactMaxRows: 1000,
      compactMaxBytes: 1 << 30,
      ...overrides,
    }),
  }
}

function edit(room: { receive(peer: Peer, frame: Uint8Array): void }, peer: Peer, source: Y.Doc, text: string): void {
  const sv = Y.encodeStateVector(source)
  source.getText('t').insert(source.getText('t').length, text)
  room.receive(peer, encodeSyncUpdate(Y.encodeStateAsUpdate(source, sv)))
}

describe('RoomRegistry', () => {
  it('closes a room whose doc Yjs changed but could not emit, and reloads what is stored on the next join', async () => {
    const { registry: rooms } = registry()
    const room = await rooms.reserve('x')
    const [author, bystander] = [new SilentPeer('author'), new SilentPeer('bystander')]
    rooms.join(room, author)
    rooms.join(room, bystander)
    const source = new Y.Doc()
    edit(room, author, source, 'kept ')
    await rooms.flushed()
    // Stands in for a failure while Yjs encodes a change it already integrated (as a JSON value too
    // deep to stringify once did): the change is in memory, never stored, never relayed.
    room.doc.on('afterTransactionCleanup', () => {
      throw new Error('encoding failed')
    })
    expect(() => edit(room, author, source, 'lost')).toThrow(/rejected by Yjs/)
    expect(bystander.closedWith).toBe(CloseCode.StorageUnavailable)
    expect(room.destroyed).toBe(true)
    const reloaded = await rooms.reserve('x')
    expect(reloaded).not.toBe(room)
    expect(reloaded.doc.getText('t').toString()).toBe('kept ')
  })

  it('never opens a document in the trash as a new, empty one', async () => {
    const { store, registry: rooms } = registry()
    await store.appendUpdates([{ name: 'binned', updates: [Y.encodeStateAsUpdate(new Y.Doc())] }])
    await store.trash('binned', 'admin')
    await expect(rooms.reserve('binned')).rejects.toMatchObject({ closeCode: CloseCode.RoomDeleted })
    expect(rooms.get('binned')).toBeUndefined()
    // A name purged for good may be taken again.
    await store.purge('binned')
    const room = await rooms.reserve('binned')
    rooms.release(room)
  })

  it('loads a room once for concurrent joins', async () => {
    const { store, registry: rooms } = registry()
    const load = vi.spyOn(store, 'load')
    const [a, b, c] = await Promise.all([rooms.reserve('x'), rooms.reserve('x'), rooms.reserve('x')])
    expect(a).toBe(b)
    expect(b).toBe(c)
    expect(load).toHaveBeenCalledTimes(1)
    expect(a.reservations).toBe(3)
  })

  it('never caches a failed load: the next join retries and gets the stored document', async () => {
    const memory = new MemoryDocumentStore()
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'stored')
    await memory.appendUpdates([{ name: 'x', updates: [Y.encodeStateAsUpdate(seed)] }])
    let fail = true
    const flaky: DocumentStore = withOverrides(memory, {
      load: async (name: string): Promise<StoredDocument | null> => {
        if (fail) throw new Error('database is locked')
        return memory.load(name)
      },
    })
    const { registry: rooms } = registry({ store: flaky })
    await expect(rooms.reserve('x')).rejects.toThrow('database is locked')
    expect(rooms.size).toBe(0)
    fail = false
    const room = await rooms.reserve('x')
    expect(room.doc.getText('t').toString()).toBe('stored')
  })

  it('unloads an empty room after the idle delay, leaving no doc or timer behind, and reloads it intact', async () => {
    const { registry: rooms, store } = registry()
    const room = await rooms.reserve('idle')
    const peer = new SilentPeer('p')
    rooms.join(room, peer)
    edit(room, peer, new Y.Doc(), 'kept')
    await rooms.flushed()
    const destroyed = vi.fn()
    room.doc.on('destroy', destroyed)

    rooms.leave(room, peer)
    expect(room.idleTimer).not.toBeNull()
    expect(rooms.size).toBe(1)
    await eventually(() => expect(rooms.size).toBe(0))
    await eventually(() => expect(destroyed).toHaveBeenCalled())
    expect(room.destroyed).toBe(true)
    expect(room.idleTimer).toBeNull()
    // The awareness check interval is gone too (Awareness clears it on destroy).
    expect((room.awareness as unknown as { _checkInterval: { _destroyed?: boolean } })._checkInterval._destroyed).toBe(true)
    // Unloading compacted the log into a snapshot.
    expect((await store.info('idle'))?.logRows).toBe(0)

    const again = await rooms.reserve('idle')
    expect(again).not.toBe(room)
    expect(again.doc.getText('t').toString()).toBe('kept')
  })

  it('does not unload a room someone rejoined during the idle delay', async () => {
    const { registry: rooms } = registry({ idleMs: 30 })
    const room = await rooms.reserve('busy')
    const first = new SilentPeer('1')
    rooms.join(room, first)
    rooms.leave(room, first)
    const second = new SilentPeer('2')
    rooms.join(await rooms.reserve('busy'), second)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(rooms.get('busy')).toBe(room)
    expect(room.destroyed).toBe(false)
  })

  it('compacts a live document once its log passes the row threshold', async () => {
    const { registry: rooms, store } = registry({ compactMaxRows: 10 })
    const room = await rooms.reserve('grow')
    const peer = new SilentPeer('p')
    rooms.join(room, peer)
    const source = new Y.Doc()
    for (let i = 0; i < 25; i++) {
      edit(room, peer, source, `${i} `)
      await rooms.flushed()
    }
    await eventually(async () => expect((await store.info('grow'))!.logRows).toBeLessThan(10))
    const stored = await store.load('grow')
    expect(stored?.snapshot).not.toBeNull()
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.mergeUpdates([stored!.snapshot!, ...stored!.updates]))
    expect(reloaded.getText('t').toString()).toBe(source.getText('t').toString())
  })

  it('compacts a large document from its mirror, losing nothing written meanwhile', async () => {
    const mirrors = new DocumentMirrors()
    try {
      const { registry: rooms, store } = registry({ compactMaxRows: 10, mirrors, mirrorStructs: 100 })
      const room = await rooms.reserve('large')
      const peer = new SilentPeer('p')
      rooms.join(room, peer)
      const source = new Y.Doc()
      room.receive(peer, encodeSyncUpdate(insertsAtStart(500, 9)))
      Y.applyUpdate(source, insertsAtStart(500, 9))
      for (let i = 0; i < 40; i++) {
        edit(room, peer, source, `${i} `)
        await rooms.flushed()
      }
      await eventually(() => expect(mirrors.counters.encoded).toBeGreaterThan(0))
      await rooms.shutdown()
      const stored = await store.load('large')
      expect(stored?.snapshot).not.toBeNull()
      const reloaded = new Y.Doc()
      Y.applyUpdate(reloaded, Y.mergeUpdates([stored!.snapshot!, ...stored!.updates]))
      expect(reloaded.getText('t').toString()).toBe(source.getText('t').toString())
    } finally {
      await mirrors.close()
    }
  })

  it('loads a large stored document through the mirror worker, which keeps it mirrored', async () => {
    const store = new MemoryDocumentStore()
    // Five authors' 8,000 unmergeable characters each: 40,000 structs, ~300 KB stored.
    await store.appendUpdates([{ name: 'large', updates: [1, 2, 3, 4, 5].map((client) => insertsAtStart(8000, client)) }])
    const mirrors = new DocumentMirrors()
    try {
      const { registry: rooms } = registry({ store, mirrors })
      const room = await rooms.reserve('large')
      expect(room.doc.getText('t').length).toBe(40_000)
      expect(room.doc.store.pendingStructs).toBeNull()
      expect(mirrors.counters.seeded).toBe(1)
      const whole = await room.encodeWhole()
      expect(mirrors.counters.encoded).toBe(1)
      const copy = new Y.Doc()
      Y.applyUpdate(copy, whole)
      expect(copy.getText('t').toString()).toBe(room.doc.getText('t').toString())
      await rooms.shutdown()
    } finally {
      await mirrors.close()
    }
  })

  it('loads a smaller stored document in one go, without the worker', async () => {
    const store = new MemoryDocumentStore()
    await store.appendUpdates([{ name: 'small', updates: [insertsAtStart(8000, 1)] }])
    const mirrors = new DocumentMirrors()
    try {
      const { registry: rooms } = registry({ store, mirrors })
      const room = await rooms.reserve('small')
      expect(room.doc.getText('t').length).toBe(8000)
      expect(mirrors.counters.seeded).toBe(0)
      expect(mirrors.workerRunning).toBe(false)
      await rooms.shutdown()
    } finally {
      await mirrors.close()
    }
  })

  it('compacts a long stored log when the room loads', async () => {
    const store = new MemoryDocumentStore()
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 300; i++) source.getText('t').insert(i, 'x')
    await store.appendUpdates([{ name: 'long', updates }])
    const { registry: rooms } = registry({ store, compactMaxRows: 100 })
    const room = await rooms.reserve('long')
    expect(room.doc.getText('t').length).toBe(300)
    await eventually(async () => expect((await store.info('long'))!.logRows).toBe(0))
  })

  it('closes the connections of a room whose writes fail and drops it from memory', async () => {
    const memory = new MemoryDocumentStore()
    const broken: DocumentStore = withOverrides(memory, {
      appendUpdates: async () => {
        throw new Error('SQLITE_FULL')
      },
    })
    const { registry: rooms } = registry({ store: broken })
    const room = await rooms.reserve('full')
    const peer = new SilentPeer('p')
    rooms.join(room, peer)
    edit(room, peer, new Y.Doc(), 'no room on disk')
    await rooms.flushed()
    expect(peer.closedWith).toBe(CloseCode.StorageUnavailable)
    expect(rooms.size).toBe(0)
    expect(room.destroyed).toBe(true)
  })

  it('shuts down: closes peers with GoingAway, flushes, compacts and refuses new joins', async () => {
    const { registry: rooms, store } = registry()
    const room = await rooms.reserve('bye')
    const peer = new SilentPeer('p')
    rooms.join(room, peer)
    edit(room, peer, new Y.Doc(), 'last words')
    await rooms.shutdown()
    expect(peer.closedWith).toBe(CloseCode.ServiceRestart)
    expect(rooms.size).toBe(0)
    const stored = await store.load('bye')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, stored!.snapshot!)
    expect(doc.getText('t').toString()).toBe('last words')
    await expect(rooms.reserve('bye')).rejects.toThrow(/shutting down/)
  })
})

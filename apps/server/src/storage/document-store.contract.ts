/**
 * The behaviour every {@link DocumentStore} must have. Each implementation's test file calls
 * {@link describeDocumentStore} with a factory; the factory returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import type { DocumentStore } from './document-store.js'

function textUpdates(count: number): { updates: Uint8Array[]; text: string } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(doc.getText('t').length, `line ${i}\n`)
  return { updates, text: doc.getText('t').toString() }
}

function rebuild(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): string {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

/** Register the contract tests for the store made by `create`. */
export function describeDocumentStore(label: string, create: () => Promise<DocumentStore>): void {
  describe(`DocumentStore contract: ${label}`, () => {
    const withStore = async (body: (store: DocumentStore) => Promise<void>): Promise<void> => {
      const store = await create()
      try {
        await body(store)
      } finally {
        await store.close()
      }
    }

    it('loads null and lists nothing for an unknown document', () =>
      withStore(async (store) => {
        expect(await store.load('missing')).toBeNull()
        expect(await store.info('missing')).toBeNull()
        expect(await store.list()).toEqual([])
      }))

    it('returns appended updates in order, byte for byte', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(5)
        await store.appendUpdates([{ name: 'a', updates: updates.slice(0, 2) }])
        await store.appendUpdates([{ name: 'a', updates: updates.slice(2) }])
        const stored = await store.load('a')
        expect(stored?.snapshot).toBeNull()
        expect(stored?.updates).toEqual(updates)
        expect(rebuild(stored!)).toBe(text)
      }))

    it('appends several documents in one call and reports each log', () =>
      withStore(async (store) => {
        const { updates } = textUpdates(3)
        const results = await store.appendUpdates([
          { name: 'a', updates: [updates[0]!] },
          { name: 'b', updates: [updates[1]!, updates[2]!] },
        ])
        expect(results.map((r) => [r.name, r.logRows])).toEqual([
          ['a', 1],
          ['b', 2],
        ])
        expect(results[1]!.logBytes).toBe(updates[1]!.byteLength + updates[2]!.byteLength)
        expect(results[1]!.lastSeq).toBeGreaterThan(results[0]!.lastSeq)
        expect((await store.list()).map((d) => d.name)).toEqual(['a', 'b'])
      }))

    it('tracks bytes, rows and times per document', () =>
      withStore(async (store) => {
        const before = Date.now()
        const { updates } = textUpdates(4)
        await store.appendUpdates([{ name: 'doc', updates }])
        const info = await store.info('doc')
        const logBytes = updates.reduce((n, u) => n + u.byteLength, 0)
        expect(info).toMatchObject({ name: 'doc', logRows: 4, logBytes, bytes: logBytes })
        expect(info!.createdAt).toBeGreaterThanOrEqual(before)
        expect(info!.updatedAt).toBeGreaterThanOrEqual(info!.createdAt)
      }))

    it('compaction replaces the merged rows with a snapshot and keeps later rows', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(10)
        const [first] = await store.appendUpdates([{ name: 'doc', updates: updates.slice(0, 6) }])
        await store.appendUpdates([{ name: 'doc', updates: updates.slice(6) }])
        const early = new Y.Doc()
        for (const u of updates.slice(0, 6)) Y.applyUpdate(early, u)
        const snapshot = Y.encodeStateAsUpdate(early)
        const packed = await store.packSnapshot(snapshot)
        await store.compact('doc', packed, first!.lastSeq)

        const stored = await store.load('doc')
        // Handed back as the update it was packed from, whatever the store keeps.
        expect(stored?.snapshot).toEqual(snapshot)
        expect(stored?.updates).toEqual(updates.slice(6))
        expect(rebuild(stored!)).toBe(text)
        const info = await store.info('doc')
        expect(info?.logRows).toBe(4)
        // Bytes as stored.
        expect(info?.bytes).toBe(packed.bytes.byteLength + updates.slice(6).reduce((n, u) => n + u.byteLength, 0))
      }))

    it('packs a large snapshot into no more bytes than it has, and loads it back byte for byte', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(3000)
        const [appended] = await store.appendUpdates([{ name: 'big', updates }])
        const merged = new Y.Doc()
        Y.applyUpdate(merged, Y.mergeUpdates(updates))
        const snapshot = Y.encodeStateAsUpdate(merged)
        const packed = await store.packSnapshot(snapshot)
        expect(packed.bytes.byteLength).toBeLessThanOrEqual(snapshot.byteLength)
        await store.compact('big', packed, appended!.lastSeq)
        const stored = await store.load('big')
        expect(stored?.snapshot).toEqual(snapshot)
        expect(rebuild(stored!)).toBe(text)
      }))

    it('round-trips a compaction of everything and then accepts new updates', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(20)
        const [result] = await store.appendUpdates([{ name: 'doc', updates }])
        const merged = new Y.Doc()
        Y.applyUpdate(merged, Y.mergeUpdates(updates))
        await store.compact('doc', await store.packSnapshot(Y.encodeStateAsUpdate(merged)), result!.lastSeq)
        expect((await store.load('doc'))?.updates).toEqual([])
        expect((await store.info('doc'))?.logRows).toBe(0)

        merged.getText('t').insert(0, 'head ')
        const extra = Y.encodeStateAsUpdate(merged, Y.encodeStateVector(new Y.Doc()))
        await store.appendUpdates([{ name: 'doc', updates: [extra] }])
        expect(rebuild((await store.load('doc'))!)).toBe(`head ${text}`)
      }))

    it('hands out byte arrays of its own: moving or changing them leaves what is stored intact', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(30)
        const [result] = await store.appendUpdates([{ name: 'doc', updates: updates.slice(0, 20) }])
        const merged = new Y.Doc()
        Y.applyUpdate(merged, Y.mergeUpdates(updates.slice(0, 20)))
        await store.compact('doc', await store.packSnapshot(Y.encodeStateAsUpdate(merged)), result!.lastSeq)
        await store.appendUpdates([{ name: 'doc', updates: updates.slice(20) }])
        const first = await store.load('doc')
        const parts = [first!.snapshot!, ...first!.updates]
        // A scribble, then what a hand-off to another thread does to them (document-mirrors.ts).
        for (const part of parts) part.fill(0)
        structuredClone(parts, { transfer: parts.map((part) => part.buffer as ArrayBuffer) })
        expect(parts.every((part) => part.byteLength === 0)).toBe(true)
        expect(rebuild((await store.load('doc'))!)).toBe(text)
      }))

    it('loads a document with a long log', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(2000)
        for (let i = 0; i < updates.length; i += 100) {
          await store.appendUpdates([{ name: 'long', updates: updates.slice(i, i + 100) }])
        }
        const stored = await store.load('long')
        expect(stored?.updates).toHaveLength(2000)
        expect(rebuild(stored!)).toBe(text)
      }))

    it('deletes a document and only that document', () =>
      withStore(async (store) => {
        const { updates } = textUpdates(2)
        await store.appendUpdates([
          { name: 'a', updates },
          { name: 'b', updates },
        ])
        expect(await store.delete('a')).toBe(true)
        expect(await store.delete('a')).toBe(false)
        expect(await store.load('a')).toBeNull()
        expect((await store.load('b'))?.updates).toHaveLength(2)
      }))

    it('remembers a deleted name until a document is stored under it again', () =>
      withStore(async (store) => {
        const { updates } = textUpdates(1)
        expect(await store.deletedAt('a')).toBeNull()
        await store.appendUpdates([{ name: 'a', updates }])
        const before = Date.now()
        await store.delete('a')
        expect(await store.deletedAt('a')).toBeGreaterThanOrEqual(before - 1000)
        expect(await store.deletedAt('b')).toBeNull()
        // Deleting what is not there remembers nothing.
        await store.delete('never')
        expect(await store.deletedAt('never')).toBeNull()
        await store.appendUpdates([{ name: 'a', updates }])
        expect(await store.deletedAt('a')).toBeNull()
      }))

    it('keeps a trashed document whole but out of sight, and restores it as it was', () =>
      withStore(async (store) => {
        const { updates, text } = textUpdates(3)
        await store.appendUpdates([
          { name: 'a', updates: updates.slice(0, 2) },
          { name: 'b', updates },
        ])
        const packed = await store.packSnapshot(Y.mergeUpdates(updates.slice(0, 2)))
        await store.compact('a', packed, (await store.load('a'))!.lastSeq)
        await store.appendUpdates([{ name: 'a', updates: updates.slice(2) }])
        const before = Date.now()
        expect(await store.trash('a', 'admin')).toBe(true)
        expect(await store.trash('a', 'admin')).toBe(false)
        expect(await store.trash('missing', 'admin')).toBe(false)

        expect(await store.load('a')).toBeNull()
        expect(await store.info('a')).toBeNull()
        expect((await store.list()).map((doc) => doc.name)).toEqual(['b'])
        expect(await store.count()).toBe(2)
        expect(await store.deletedAt('a')).toBeGreaterThanOrEqual(before - 1000)
        const entry = await store.trashed('a')
        expect(entry).toMatchObject({ name: 'a', trashedBy: 'admin', logRows: 1 })
        expect(entry!.trashedAt).toBeGreaterThanOrEqual(before - 1000)
        expect(entry!.bytes).toBeGreaterThan(0)
        expect(await store.trashed('b')).toBeNull()
        expect((await store.trashList()).map((doc) => doc.name)).toEqual(['a'])

        // Nothing writes to it while it is in the trash; the other documents of the batch are written.
        const results = await store.appendUpdates([
          { name: 'a', updates: textUpdates(1).updates },
          { name: 'b', updates: textUpdates(1).updates },
        ])
        expect(results[0]).toMatchObject({ name: 'a', trashed: true })
        expect(results[1]).toMatchObject({ name: 'b', logRows: 4 })
        expect(results[1]!.trashed).toBeUndefined()
        expect(await store.trashed('a')).toMatchObject({ logRows: 1 })
        await store.compact('a', await store.packSnapshot(new Uint8Array([0, 0])), 99)

        expect(await store.restore('a')).toBe(true)
        expect(await store.restore('a')).toBe(false)
        expect(await store.trashList()).toEqual([])
        expect(await store.deletedAt('a')).toBeNull()
        const restored = await store.load('a')
        expect(rebuild(restored!)).toBe(text)
        expect(restored!.updates).toHaveLength(1)
        await store.appendUpdates([{ name: 'a', updates: textUpdates(1).updates }])
        expect((await store.info('a'))?.logRows).toBe(2)
      }))

    it('purges a trashed document for good, and never one restored meanwhile', () =>
      withStore(async (store) => {
        await store.appendUpdates([{ name: 'a', updates: textUpdates(1).updates }])
        expect(await store.purge('a')).toBe(false)
        await store.trash('a', 'user:ann')
        const { trashedAt } = (await store.trashed('a'))!
        expect(await store.purge('a', trashedAt - 1)).toBe(false)
        await store.restore('a')
        expect(await store.purge('a')).toBe(false)
        expect(await store.info('a')).not.toBeNull()
        await store.trash('a', 'user:ann')
        expect(await store.purge('a', Date.now() + 1000)).toBe(true)
        expect(await store.purge('a')).toBe(false)
        expect(await store.trashed('a')).toBeNull()
        expect(await store.restore('a')).toBe(false)
        expect(await store.count()).toBe(0)
        expect(await store.deletedAt('a')).not.toBeNull()
      }))

    it('orders the trash most recently deleted first', () =>
      withStore(async (store) => {
        for (const name of ['a', 'b', 'c']) await store.appendUpdates([{ name, updates: textUpdates(1).updates }])
        await store.trash('b', 'admin')
        await new Promise((resolve) => setTimeout(resolve, 5))
        await store.trash('a', 'admin')
        expect((await store.trashList()).map((doc) => doc.name)).toEqual(['a', 'b'])
      }))

    it('does not let callers alias stored bytes', () =>
      withStore(async (store) => {
        const { updates } = textUpdates(1)
        const original = updates[0]!.slice()
        await store.appendUpdates([{ name: 'a', updates }])
        updates[0]!.fill(0)
        const loaded = await store.load('a')
        expect(loaded?.updates[0]).toEqual(original)
        loaded!.updates[0]!.fill(0)
        expect((await store.load('a'))?.updates[0]).toEqual(original)
      }))
  })
}

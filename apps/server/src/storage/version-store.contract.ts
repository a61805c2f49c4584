/**
 * The behaviour every {@link VersionStore} must have. Each implementation's test file calls
 * {@link describeVersionStore} with a factory returning a fresh, empty pair of stores on one storage.
 */
import { describe, expect, it } from 'vitest'

import type { DocumentStore } from './document-store.js'
import { MAX_VERSION_AUTHORS, type NewVersion, type VersionStore } from './version-store.js'

/** A document store and the version store beside it; `close` releases both. */
export interface VersionStorage {
  documents: DocumentStore
  versions: VersionStore
  close(): Promise<void>
}

const ANN = { id: 'u-ann', name: 'Ann', color: '#f00' }
const BOB = { id: null, name: 'Bob', color: null }

function version(room: string, overrides: Partial<NewVersion> = {}): NewVersion {
  return {
    room,
    createdAt: 1_000,
    name: null,
    auto: true,
    authors: [ANN],
    contentHash: 'hash-1',
    state: new Uint8Array([1, 2, 3, 4]),
    ...overrides,
  }
}

/** Register the contract tests for the stores made by `create`. */
export function describeVersionStore(label: string, create: () => Promise<VersionStorage>): void {
  describe(`VersionStore contract: ${label}`, () => {
    const withStores = async (body: (storage: VersionStorage) => Promise<void>): Promise<void> => {
      const storage = await create()
      try {
        // Versions belong to stored documents.
        await storage.documents.appendUpdates([
          { name: 'a', updates: [new Uint8Array([0, 0])] },
          { name: 'b', updates: [new Uint8Array([0, 0])] },
        ])
        await body(storage)
      } finally {
        await storage.close()
      }
    }

    it('records a version and reads it back with its state, byte for byte', () =>
      withStores(async ({ versions }) => {
        const state = new Uint8Array([9, 8, 7, 6, 5])
        const { version: info, added } = await versions.record(version('a', { name: 'Draft', auto: false, state, createdAt: 1234 }))
        expect(added).toBe(true)
        expect(info).toMatchObject({
          room: 'a',
          createdAt: 1234,
          name: 'Draft',
          auto: false,
          authors: [ANN],
          bytes: 5,
          contentHash: 'hash-1',
        })
        const read = await versions.get('a', info.id)
        expect(read?.info).toEqual(info)
        expect(read?.state).toEqual(state)
        expect(await versions.get('b', info.id)).toBeNull()
        expect(await versions.get('a', info.id + 1000)).toBeNull()
      }))

    it('refuses a version of a document that is not stored', () =>
      withStores(async ({ versions }) => {
        await expect(versions.record(version('missing'))).rejects.toThrow(/not stored/)
      }))

    it('lists newest first, per room, paged by id', () =>
      withStores(async ({ versions }) => {
        const ids: number[] = []
        for (let i = 0; i < 5; i++) ids.push((await versions.record(version('a', { contentHash: `h${i}`, createdAt: i }))).version.id)
        await versions.record(version('b', { contentHash: 'other' }))
        expect(ids).toEqual([...ids].sort((x, y) => x - y))
        const first = await versions.list('a', { limit: 2 })
        expect(first.map((v) => v.id)).toEqual([ids[4], ids[3]])
        const next = await versions.list('a', { limit: 2, before: first.at(-1)!.id })
        expect(next.map((v) => v.id)).toEqual([ids[2], ids[1]])
        const last = await versions.list('a', { limit: 10, before: next.at(-1)!.id })
        expect(last.map((v) => v.id)).toEqual([ids[0]])
        expect((await versions.list('b', { limit: 10 })).map((v) => v.contentHash)).toEqual(['other'])
      }))

    it('does not store an automatic version identical to the newest one: its authors join that one', () =>
      withStores(async ({ versions }) => {
        const first = await versions.record(version('a', { authors: [ANN] }))
        const again = await versions.record(version('a', { authors: [ANN, BOB], createdAt: 2000 }))
        expect(again.added).toBe(false)
        expect(again.version.id).toBe(first.version.id)
        expect(again.version.authors).toEqual([ANN, BOB])
        expect((await versions.list('a', { limit: 10 })).map((v) => v.authors)).toEqual([[ANN, BOB]])
        // Identical to an older version but not the newest: stored.
        await versions.record(version('a', { contentHash: 'hash-2' }))
        expect((await versions.record(version('a', { contentHash: 'hash-1' }))).added).toBe(true)
        expect(await versions.list('a', { limit: 10 })).toHaveLength(3)
      }))

    it('names the newest version rather than storing the same state again', () =>
      withStores(async ({ versions }) => {
        const auto = await versions.record(version('a', { authors: [] }))
        const named = await versions.record(version('a', { auto: false, name: 'Kept', authors: [BOB] }))
        expect(named).toEqual({ version: { ...auto.version, name: 'Kept', auto: false, authors: [BOB] }, added: false })
        // Asked for again: renamed, still one row; an automatic one of that state keeps the name.
        await versions.record(version('a', { auto: false, name: 'Final' }))
        const after = await versions.record(version('a'))
        expect(after.version).toMatchObject({ id: auto.version.id, name: 'Final', auto: false })
        expect(await versions.list('a', { limit: 10 })).toHaveLength(1)
        expect(await versions.automatic('a')).toEqual([])
        // A changed document gets a new named version.
        expect((await versions.record(version('a', { auto: false, name: 'Next', contentHash: 'hash-2' }))).added).toBe(true)
      }))

    it(`keeps at most ${MAX_VERSION_AUTHORS} authors per version`, () =>
      withStores(async ({ versions }) => {
        const many = Array.from({ length: MAX_VERSION_AUTHORS + 10 }, (_, i) => ({ id: `u${i}`, name: `U${i}`, color: null }))
        const { version: info } = await versions.record(version('a', { authors: many }))
        expect(info.authors).toHaveLength(MAX_VERSION_AUTHORS)
        expect((await versions.get('a', info.id))?.info.authors).toHaveLength(MAX_VERSION_AUTHORS)
      }))

    it('lists the automatic versions and removes versions of one room only', () =>
      withStores(async ({ versions }) => {
        const auto1 = (await versions.record(version('a', { contentHash: 'x', createdAt: 10 }))).version
        const named = (await versions.record(version('a', { contentHash: 'y', auto: false, name: 'N' }))).version
        const auto2 = (await versions.record(version('a', { contentHash: 'z', createdAt: 30 }))).version
        const other = (await versions.record(version('b', { contentHash: 'x' }))).version
        expect(await versions.automatic('a')).toEqual([
          { id: auto1.id, createdAt: 10 },
          { id: auto2.id, createdAt: 30 },
        ])
        expect(await versions.countNamed('a')).toBe(1)
        expect(await versions.countNamed('b')).toBe(0)
        await versions.remove('a', [auto1.id, other.id])
        expect((await versions.list('a', { limit: 10 })).map((v) => v.id)).toEqual([auto2.id, named.id])
        expect(await versions.get('b', other.id)).not.toBeNull()
        await versions.remove('a', [])
      }))

    it('deletes the versions with their document', () =>
      withStores(async ({ documents, versions }) => {
        const { version: info } = await versions.record(version('a'))
        expect(await documents.delete('a')).toBe(true)
        expect(await versions.list('a', { limit: 10 })).toEqual([])
        expect(await versions.get('a', info.id)).toBeNull()
        // A document created again under that name starts without versions.
        await documents.appendUpdates([{ name: 'a', updates: [new Uint8Array([0, 0])] }])
        expect(await versions.list('a', { limit: 10 })).toEqual([])
      }))
  })
}

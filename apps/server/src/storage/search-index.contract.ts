/**
 * The behaviour every {@link SearchIndex} must have. Each implementation's test file calls
 * {@link describeSearchIndex} with a factory returning a fresh document store and index on one storage.
 */
import { describe, expect, it } from 'vitest'

import type { DocumentStore } from './document-store.js'
import type { SearchIndex } from './search-index.js'

/** A document store and the search index beside it; `close` releases both. */
export interface SearchStorage {
  documents: DocumentStore
  index: SearchIndex
  close(): Promise<void>
}

let counter = 0

/** Register the contract tests for the stores made by `create`. */
export function describeSearchIndex(label: string, create: () => Promise<SearchStorage>): void {
  describe(`SearchIndex contract: ${label}`, () => {
    const withIndex = async (body: (storage: SearchStorage, room: (name: string) => Promise<string>) => Promise<void>): Promise<void> => {
      const storage = await create()
      const suffix = `${++counter}-${Date.now().toString(36)}`
      const room = async (name: string): Promise<string> => {
        const full = `${name}-${suffix}`
        await storage.documents.appendUpdates([{ name: full, updates: [new Uint8Array([0, 0])] }])
        return full
      }
      try {
        await body(storage, room)
      } finally {
        await storage.close()
      }
    }

    it('finds documents by every word of the query, as words or their starts, in title, name or text', () =>
      withIndex(async ({ index }, room) => {
        const plan = await room('q3-plan')
        const menu = await room('menu')
        await index.put({ name: plan, title: 'Quarterly plan', body: 'We hire two engineers.\nBudget: tight.' })
        await index.put({ name: menu, title: 'Lunch menu', body: 'Soup, bread and a crème brûlée.' })
        expect((await index.search('engineers', 10)).map((hit) => hit.name)).toEqual([plan])
        expect((await index.search('ENGIN budg', 10)).map((hit) => hit.name)).toEqual([plan])
        expect((await index.search('quarterly', 10)).map((hit) => hit.name)).toEqual([plan])
        expect((await index.search('q3', 10)).map((hit) => hit.name)).toEqual([plan])
        // Accents fold both ways.
        expect((await index.search('creme brulee', 10)).map((hit) => hit.name)).toEqual([menu])
        expect(await index.search('engineers soup', 10)).toEqual([])
        // A word inside another word is not a match: "gine" is not the start of a word.
        expect(await index.search('gine', 10)).toEqual([])
        // Query syntax of the engine is only text here.
        expect(await index.search('"* OR NEAR( -', 10)).toEqual([])
        // A one-letter word would match nearly everything: it is not searched for.
        expect(await index.search('e', 10)).toEqual([])
        const [hit] = await index.search('tight', 10)
        expect(hit!.snippet).toContain('«tight»')
      }))

    it('replaces what it knew of a document, lists titles, and forgets it with the document', () =>
      withIndex(async ({ index, documents }, room) => {
        const notes = await room('notes')
        await index.put({ name: notes, title: 'Old', body: 'apples' })
        await index.put({ name: notes, title: 'New', body: 'oranges' })
        expect(await index.search('apples', 10)).toEqual([])
        expect((await index.search('oranges', 10)).map((hit) => hit.name)).toEqual([notes])
        expect((await index.titles()).get(notes)).toBe('New')
        await documents.delete(notes)
        expect(await index.search('oranges', 10)).toEqual([])
        expect((await index.titles()).has(notes)).toBe(false)
        // A document that is not stored is not indexed.
        await index.put({ name: notes, title: 'Ghost', body: 'oranges' })
        expect(await index.search('oranges', 10)).toEqual([])
      }))

    it('says which stored documents are not indexed yet', () =>
      withIndex(async ({ index }, room) => {
        const a = await room('a')
        const b = await room('b')
        await index.put({ name: a, title: '', body: 'x' })
        const missing = await index.unindexed(100)
        expect(missing).toContain(b)
        expect(missing).not.toContain(a)
      }))
  })
}

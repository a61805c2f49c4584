import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import type { StoredDocument } from '../storage/document-store.js'
import { loadDocument } from './document-loader.js'
import { DocumentMirrors, type MirrorLoad, movableBuffers } from './document-mirrors.js'

const opened: DocumentMirrors[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((mirrors) => mirrors.close()))
})

/** A stored document of `count` one-character inserts, one log row each, and its text. */
function storedText(count: number): { read: () => StoredDocument; text: string } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(0, String(i % 10))
  // Each read hands out arrays of its own, as a store does.
  return {
    read: () => ({ snapshot: null, updates: updates.map((update) => update.slice()), lastSeq: count }),
    text: doc.getText('t').toString(),
  }
}

describe('loadDocument', () => {
  it('loads a large document through the worker, which takes its bytes, and keeps the log figures read', async () => {
    const { read, text } = storedText(600)
    const stored = read()
    const bytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0)
    const mirrors = new DocumentMirrors()
    opened.push(mirrors)
    const loaded = await loadDocument('doc', stored, () => Promise.reject(new Error('no second read needed')), mirrors, 100)
    expect(loaded.mirrored).toBe(true)
    expect(loaded.doc.getText('t').toString()).toBe(text)
    expect(loaded.log).toEqual({ lastSeq: 600, rows: 600, bytes })
    expect(stored.updates.every((update) => update.byteLength === 0)).toBe(true)
    expect(mirrors.has(loaded.key)).toBe(true)
  })

  it('reads the document again when the worker took its bytes and then failed', async () => {
    const { read, text } = storedText(600)
    const stored = read()
    const bytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0)
    let rereads = 0
    // A worker that died after the parts were posted: they are gone, and no load comes back.
    const failing = {
      load: (_key: string, parts: Uint8Array[]): Promise<MirrorLoad | null> => {
        structuredClone(parts, { transfer: movableBuffers(parts) })
        return Promise.resolve(null)
      },
    } as unknown as DocumentMirrors
    const loaded = await loadDocument('doc', stored, () => (rereads++, Promise.resolve(read())), failing, 100)
    expect(rereads).toBe(1)
    expect(loaded.mirrored).toBe(false)
    expect(loaded.doc.getText('t').toString()).toBe(text)
    expect(loaded.log).toEqual({ lastSeq: 600, rows: 600, bytes })
    expect(loaded.parts).toHaveLength(600)
  })

  it('loads a small document here, in one go, keeping its parts for a mirror', async () => {
    const { read, text } = storedText(20)
    const loaded = await loadDocument('doc', read(), () => Promise.reject(new Error('no second read needed')), undefined, 100)
    expect(loaded).toMatchObject({ mirrored: false, log: { lastSeq: 20, rows: 20 } })
    expect(loaded.parts).toHaveLength(20)
    expect(loaded.doc.getText('t').toString()).toBe(text)
  })
})

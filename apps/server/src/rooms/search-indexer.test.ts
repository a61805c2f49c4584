import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'

import { createLogger } from '../logger.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { MemorySearchIndex } from '../storage/memory-search-index.js'
import type { Room } from './room.js'
import { SearchIndexer } from './search-indexer.js'

function roomWith(name: string, text: string): Room {
  const doc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  doc.getXmlFragment('prosemirror').insert(0, [paragraph])
  return { name, doc, destroyed: false } as unknown as Room
}

async function setUp() {
  const documents = new MemoryDocumentStore()
  const index = new MemorySearchIndex(documents)
  const put = vi.spyOn(index, 'put')
  await documents.appendUpdates([{ name: 'notes', updates: [new Uint8Array([0, 0])] }])
  return { documents, index, put }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('SearchIndexer', () => {
  it('indexes once a burst of changes pauses, not on every change', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const { index, put } = await setUp()
    const indexer = new SearchIndexer({ index, logger: createLogger('silent'), delayMs: 1_000 })
    const room = roomWith('notes', 'hello world')
    for (let i = 0; i < 10; i++) {
      indexer.changed(room)
      await vi.advanceTimersByTimeAsync(500)
    }
    expect(put).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(put).toHaveBeenCalledTimes(1)
    expect((await index.search('hello', 10)).map((hit) => hit.name)).toEqual(['notes'])
    indexer.close()
  })

  it('indexes nothing of a room deleted while its changes waited', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const { index, put } = await setUp()
    const indexer = new SearchIndexer({ index, logger: createLogger('silent'), delayMs: 1_000 })
    const room = roomWith('notes', 'soon deleted')
    indexer.changed(room)
    ;(room as unknown as { destroyed: boolean }).destroyed = true
    await vi.advanceTimersByTimeAsync(2_000)
    expect(put).not.toHaveBeenCalled()
    indexer.close()
  })

  it('indexes what is waiting when the room unloads, and backfills stored documents it lacks', async () => {
    const { documents, index, put } = await setUp()
    const indexer = new SearchIndexer({ index, logger: createLogger('silent'), delayMs: 60_000 })
    const room = roomWith('notes', 'unload me')
    indexer.changed(room)
    await indexer.retiring(room)
    expect(put).toHaveBeenCalledTimes(1)

    await documents.appendUpdates([{ name: 'older', updates: [new Uint8Array([0, 0])] }])
    const indexed = await indexer.backfill(async (name) => (name === 'older' ? roomWith('older', 'archived words').doc : null))
    expect(indexed).toBe(1)
    expect((await index.search('archived', 10)).map((hit) => hit.name)).toEqual(['older'])
    indexer.close()
  })
})

import { describe, expect, it, vi } from 'vitest'

import type { DocumentStore } from '../storage/document-store.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { UpdateWriter } from './update-writer.js'

/** A memory store whose commits wait for a disk the test controls, like power-safe SQLite. */
class SlowDiskStore extends MemoryDocumentStore implements DocumentStore {
  readonly syncs: Array<{ commitsBefore: number; finish: (error?: Error) => void }> = []
  commits = 0

  override async appendUpdates(...args: Parameters<MemoryDocumentStore['appendUpdates']>) {
    const results = await super.appendUpdates(...args)
    this.commits++
    return results
  }

  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.syncs.push({ commitsBefore: this.commits, finish: (error) => (error ? reject(error) : resolve()) })
    })
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Queue one update of `room` and work after it, and wait until the writer has committed it. */
async function commitOne(writer: UpdateWriter, room: string, work: () => void): Promise<void> {
  writer.enqueue(room, new Uint8Array([1]))
  writer.afterPersist(room, work)
  await turn()
  await turn()
}

function writerOver(store: DocumentStore) {
  const events = { onPersisted: vi.fn(), onFailure: vi.fn(), onError: vi.fn(), onBatchWritten: vi.fn() }
  return { writer: new UpdateWriter(store, events), events }
}

describe('UpdateWriter over a store that syncs apart from its commits', () => {
  it('runs queued work only once the commit is durable, and keeps the room unpersisted until then', async () => {
    const store = new SlowDiskStore()
    const { writer, events } = writerOver(store)
    const relayed = vi.fn()
    await commitOne(writer, 'a', relayed)
    expect(store.commits).toBe(1)
    expect(events.onPersisted).toHaveBeenCalledTimes(1)
    expect(store.syncs).toHaveLength(1)
    expect(relayed).not.toHaveBeenCalled()
    expect(writer.hasUnpersisted('a')).toBe(true)

    store.syncs[0]!.finish()
    await writer.flushed()
    expect(relayed).toHaveBeenCalledTimes(1)
    expect(writer.hasUnpersisted('a')).toBe(false)
    expect(events.onBatchWritten).toHaveBeenCalledWith(1, expect.any(Number))
  })

  it("commits the next batches while a sync runs, and runs a room's work in batch order after it", async () => {
    const store = new SlowDiskStore()
    const { writer } = writerOver(store)
    const order: number[] = []
    for (let i = 0; i < 3; i++) {
      writer.enqueue('a', new Uint8Array([i]))
      writer.afterPersist('a', () => order.push(i))
      await turn()
      await turn()
    }
    // Three commits made, none waited for the disk: a group-committing sync covers them together.
    expect(store.commits).toBe(3)
    expect(order).toEqual([])
    // The last sync finishing first must not run the later batches' work before the earlier's.
    store.syncs[2]!.finish()
    await turn()
    expect(order).toEqual([])
    store.syncs[0]!.finish()
    store.syncs[1]!.finish()
    await writer.flushed()
    expect(order).toEqual([0, 1, 2])
  })

  it("runs the work of a room with nothing unsynced without waiting for another room's sync", async () => {
    const store = new SlowDiskStore()
    const { writer } = writerOver(store)
    const relayed = vi.fn()
    const answered = vi.fn()
    writer.enqueue('busy', new Uint8Array([1]))
    writer.afterPersist('busy', relayed)
    writer.afterPersist('quiet', answered)
    await turn()
    await turn()
    expect(answered).toHaveBeenCalledTimes(1)
    expect(relayed).not.toHaveBeenCalled()
    // Work queued for the quiet room later still runs at once; the busy room's waits for its sync.
    writer.afterPersist('quiet', answered)
    writer.afterPersist('busy', relayed)
    await turn()
    await turn()
    expect(answered).toHaveBeenCalledTimes(2)
    expect(relayed).not.toHaveBeenCalled()
    store.syncs[0]!.finish()
    await writer.flushed()
    expect(relayed).toHaveBeenCalledTimes(2)
  })

  it('drops the work of a batch whose sync failed and reports its rooms', async () => {
    const store = new SlowDiskStore()
    const { writer, events } = writerOver(store)
    const relayed = vi.fn()
    await commitOne(writer, 'a', relayed)
    store.syncs[0]!.finish(new Error('EIO'))
    await writer.flushed()
    expect(relayed).not.toHaveBeenCalled()
    expect(events.onFailure).toHaveBeenCalledWith(['a'], expect.objectContaining({ message: 'EIO' }))
    expect(writer.hasUnpersisted('a')).toBe(false)
  })

  it('stores the rest of a batch when one of its documents was moved to the trash, and reports only that one', async () => {
    const store = new SlowDiskStore()
    await store.appendUpdates([{ name: 'gone', updates: [new Uint8Array([0, 0])] }])
    await store.trash('gone', 'admin')
    const { writer, events } = writerOver(store)
    const [keptWork, goneWork] = [vi.fn(), vi.fn()]
    writer.enqueue('kept', new Uint8Array([1, 2, 3]))
    writer.enqueue('gone', new Uint8Array([4, 5]))
    writer.afterPersist('kept', keptWork)
    writer.afterPersist('gone', goneWork)
    expect(writer.unwrittenBytes('kept')).toBe(3)
    await turn()
    await turn()
    expect(events.onFailure).toHaveBeenCalledWith(['gone'], expect.objectContaining({ name: 'DocumentTrashedError' }))
    expect(events.onPersisted).toHaveBeenCalledWith(
      [expect.objectContaining({ name: 'kept', logRows: 1 })],
      [expect.objectContaining({ name: 'kept' })],
    )
    expect(writer.unwrittenBytes('kept')).toBe(0)
    store.syncs.at(-1)!.finish()
    await writer.flushed()
    expect(keptWork).toHaveBeenCalledTimes(1)
    expect(goneWork).not.toHaveBeenCalled()
    expect(writer.hasUnpersisted('kept')).toBe(false)
    expect(writer.hasUnpersisted('gone')).toBe(false)
    expect((await store.trashed('gone'))?.logRows).toBe(1)
  })

  it('waits for no sync when the store has none', async () => {
    const store = new MemoryDocumentStore()
    const { writer } = writerOver(store)
    const relayed = vi.fn()
    writer.enqueue('a', new Uint8Array([1]))
    writer.afterPersist('a', relayed)
    await writer.flushed()
    expect(relayed).toHaveBeenCalledTimes(1)
  })
})

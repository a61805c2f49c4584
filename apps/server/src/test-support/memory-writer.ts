/** An `UpdateWriter` over an in-memory store, for room tests; a failing queued task fails the test. */
import { UpdateWriter } from '../rooms/update-writer.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'

export function memoryWriter(store = new MemoryDocumentStore()): { store: MemoryDocumentStore; writer: UpdateWriter } {
  const writer = new UpdateWriter(store, {
    onPersisted: () => undefined,
    onFailure: () => undefined,
    onError: (error) => {
      throw error
    },
  })
  return { store, writer }
}

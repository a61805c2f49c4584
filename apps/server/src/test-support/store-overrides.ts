/** Test doubles for storage faults: a real store with some methods replaced. */
import type { DocumentStore } from '../storage/document-store.js'

/** A store that behaves like `base` except for the methods in `overrides`. */
export function withOverrides(base: DocumentStore, overrides: Partial<DocumentStore>): DocumentStore {
  return {
    load: (name) => base.load(name),
    appendUpdates: (batches) => base.appendUpdates(batches),
    packSnapshot: (snapshot) => base.packSnapshot(snapshot),
    compact: (name, snapshot, throughSeq) => base.compact(name, snapshot, throughSeq),
    info: (name) => base.info(name),
    list: () => base.list(),
    count: () => base.count(),
    trash: (name, by) => base.trash(name, by),
    restore: (name) => base.restore(name),
    trashed: (name) => base.trashed(name),
    trashList: () => base.trashList(),
    purge: (name, trashedBefore) => base.purge(name, trashedBefore),
    delete: (name) => base.delete(name),
    deletedAt: (name) => base.deletedAt(name),
    close: () => base.close(),
    ...overrides,
  }
}

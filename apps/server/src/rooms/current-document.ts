/** A document as it is now, for reading (exports): the live room's, or one built from storage. */
import * as Y from 'yjs'

import type { DocumentStore } from '../storage/document-store.js'
import type { RoomRegistry } from './room-registry.js'

/**
 * Run `read` on the document `name` as it is now: the live room's `Y.Doc` when the room is loaded
 * (its changes are what everyone sees), else one built from the stored snapshot and log and
 * destroyed afterwards. Resolves `null` when the room is neither live nor stored.
 * @example
 * const markdown = await readCurrentDocument(registry, store, 'notes', (doc) => exportDocument(doc, 'markdown', 'notes'))
 */
export async function readCurrentDocument<T>(
  registry: Pick<RoomRegistry, 'get'>,
  store: Pick<DocumentStore, 'load'>,
  name: string,
  read: (doc: Y.Doc) => T | Promise<T>,
): Promise<T | null> {
  const live = registry.get(name)?.doc
  if (live) return read(live)
  const doc = await storedDocument(store, name)
  if (!doc) return null
  try {
    return await read(doc)
  } finally {
    doc.destroy()
  }
}

/** A new `Y.Doc` built from what is stored of `name` (the caller destroys it), or `null` when nothing is. */
export async function storedDocument(store: Pick<DocumentStore, 'load'>, name: string): Promise<Y.Doc | null> {
  const stored = await store.load(name)
  if (!stored) return null
  const doc = new Y.Doc()
  const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
  if (parts.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(parts))
  return doc
}

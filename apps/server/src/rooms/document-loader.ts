/**
 * Builds a room's Y.Doc from what is stored. Yjs loads a document in one call that nothing
 * interrupts, ~450 ms for 400,000 structs on this machine (merging the log, then integrating), so a
 * large stored document (as many structs as the mirroring threshold) is loaded by the mirror worker
 * instead, which sends it back cut into small updates in dependency order (`document-chunks.ts`);
 * they are applied here a few per event-loop turn. The worker keeps its copy as the document's
 * mirror (`document-mirrors.ts`), which a document that large gets anyway. Smaller ones load here
 * in one go, without the worker's round trip.
 *
 * The stored bytes are moved to the worker, not copied: cloning 4 MB for a message took ~15 ms of
 * the main thread here, moving it 0.1 ms. So they are gone from `stored` afterwards; what the room
 * needs of them (the log's figures, the parts when it must seed a mirror itself) is kept in
 * {@link LoadedDocument}, and a load the worker could not finish reads the document again.
 */
import * as Y from 'yjs'

import type { StoredDocument } from '../storage/document-store.js'
import { DEFAULT_MIRROR_STRUCTS, type DocumentMirrors } from './document-mirrors.js'
import { structsUpTo } from './update-problem.js'
/** Stored bytes from which a document is loaded through the worker without counting its structs. */
const SURELY_LARGE_BYTES = 1024 * 1024
/** Structs per chunk: at most a few milliseconds of integration each, even for scattered single characters. */
const CHUNK_STRUCTS = 1024
/** Main-thread time per turn for applying chunks. */
const SLICE_MS = 5

/** A room's document, built before the room exists. */
export interface LoadedDocument {
  doc: Y.Doc
  /** The document's name in the integration probe and the mirrors, unique per live document. */
  key: string
  /** Whether the mirror worker loaded it and keeps it mirrored. */
  mirrored: boolean
  /** Values in its array contents, when the worker counted them (a walk over every struct). */
  arrayValues?: number
  /** The stored log it was built from, as it was read (its figures; the bytes may have moved on). */
  log: StoredLog
  /** The stored parts, when they are still here (not mirrored): a room seeds its mirror from them. */
  parts: Uint8Array[]
}

/** Figures of a stored log: the newest row's sequence number, its rows and their bytes. */
interface StoredLog {
  lastSeq: number
  rows: number
  bytes: number
}

/** The figures of `stored`'s log. */
function logOf(stored: StoredDocument | null): StoredLog {
  if (!stored) return { lastSeq: 0, rows: 0, bytes: 0 }
  return { lastSeq: stored.lastSeq, rows: stored.updates.length, bytes: stored.updates.reduce((sum, update) => sum + update.byteLength, 0) }
}

/** Build the document of `stored` in one Yjs call, here and now (under `key`, or a new one). */
export function loadNow(name: string, stored: StoredDocument | null, key = newDocumentKey(name)): LoadedDocument {
  const doc = new Y.Doc({ gc: true })
  const parts = storedParts(stored)
  if (parts.length > 0) Y.applyUpdate(doc, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts))
  return { doc, key, mirrored: false, log: logOf(stored), parts }
}

/** Tells live documents apart in the workers: a room reloaded under the same name is another document. */
let documents = 0

/** A key for a new live document named `name`. */
function newDocumentKey(name: string): string {
  return `${++documents}:${name}`
}

/** Every stored part of `stored`, in the order they apply: snapshot first, then the log. */
function storedParts(stored: StoredDocument | null): Uint8Array[] {
  if (!stored) return []
  return stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
}

/**
 * Build the document of `stored` (nothing listens to it yet, so loading writes nothing back): in
 * slices from the mirror worker when it holds `largeStructs` structs or more and `mirrors` can load
 * it, else in one go. `stored`'s bytes are the loader's to move: read them from `reread` again if
 * you need them. `reread` must answer what `stored` is (nothing writes the document while it loads).
 */
export async function loadDocument(
  name: string,
  stored: StoredDocument | null,
  reread: () => Promise<StoredDocument | null>,
  mirrors?: DocumentMirrors,
  largeStructs = DEFAULT_MIRROR_STRUCTS,
): Promise<LoadedDocument> {
  const key = newDocumentKey(name)
  const parts = storedParts(stored)
  // Counting stops at the threshold: a few milliseconds of parsing at most (more in a process that
  // has not parsed updates yet), skipped for documents large by their bytes alone.
  const log = logOf(stored)
  const bytes = log.bytes + (stored?.snapshot?.byteLength ?? 0)
  const large = mirrors !== undefined && (bytes >= SURELY_LARGE_BYTES || structsUpTo(parts, largeStructs) >= largeStructs)
  if (!large) return loadNow(name, stored, key)
  const loaded = await mirrors.load(key, parts, CHUNK_STRUCTS)
  // The worker failed or was busy; the bytes may have gone to it.
  if (!loaded) return loadNow(name, await reread(), key)
  const doc = new Y.Doc({ gc: true })
  let sliceStart = performance.now()
  for (const chunk of loaded.chunks) {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve))
      sliceStart = performance.now()
    }
    Y.applyUpdate(doc, chunk)
  }
  return { doc, key, mirrored: true, arrayValues: loaded.arrayValues, log, parts: [] }
}

/**
 * How stores keep snapshots: deflated (raw DEFLATE, on libuv's thread pool) when that makes a
 * snapshot of some size smaller, else the Yjs update as it is. Shared by every store that keeps bytes,
 * so a snapshot moved between stores needs no conversion.
 */
import { promisify } from 'node:util'
import { deflateRaw, inflateRaw } from 'node:zlib'

import type { PackedSnapshot, StoredDocument } from './document-store.js'

const deflate = promisify(deflateRaw)
const inflate = promisify(inflateRaw)

/** Snapshots smaller than this are stored as they are: compressing them saves next to nothing. */
const MIN_DEFLATED_BYTES = 1024

/** The `snapshot_encoding` column's values. */
export const ENCODING_CODES = { yjs: 0, deflate: 1 } as const

/** `snapshot` as a store keeps it: deflated when it is large enough and deflating makes it smaller. */
export async function packSnapshot(snapshot: Uint8Array): Promise<PackedSnapshot> {
  if (snapshot.byteLength >= MIN_DEFLATED_BYTES) {
    const deflated = await deflate(snapshot)
    if (deflated.byteLength < snapshot.byteLength) return { bytes: bytesOf(deflated), encoding: 'deflate' }
  }
  return { bytes: snapshot, encoding: 'yjs' }
}

/** The Yjs update a stored snapshot was packed from (`code`: its {@link ENCODING_CODES} value). */
async function unpackSnapshot(stored: Buffer, code: number): Promise<Uint8Array> {
  return bytesOf(code === ENCODING_CODES.deflate ? await inflate(stored) : stored)
}

/**
 * Bytes as a plain Uint8Array of their own. Database drivers give each blob a Buffer of its own, so
 * no copy is needed (copying cost ~15 ms for 4 MB here) and the caller may move it to another
 * thread; a small Buffer zlib made may sit in Node's shared pool, and is copied out of it.
 */
function bytesOf(buffer: Buffer): Uint8Array {
  const own = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
  return own ? new Uint8Array(buffer.buffer, 0, buffer.byteLength) : new Uint8Array(buffer)
}

/** A document as a store read it: its packed snapshot (and that one's encoding code) and its log rows in order. */
export async function storedDocument(
  snapshot: Buffer | null,
  encoding: number,
  log: ReadonlyArray<{ seq: number; data: Buffer }>,
): Promise<StoredDocument> {
  return {
    snapshot: snapshot && (await unpackSnapshot(snapshot, encoding)),
    updates: log.map((entry) => bytesOf(entry.data)),
    lastSeq: log.at(-1)?.seq ?? 0,
  }
}

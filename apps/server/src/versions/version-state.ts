/**
 * How a version's state is stored: the document as a Yjs V2 update, deflated (raw DEFLATE, on libuv's
 * thread pool, off the event loop). Text compresses well, and a version is a whole copy of its
 * document, so this is most of what versions cost on disk.
 */
import { promisify } from 'node:util'
import { deflateRaw, inflateRaw } from 'node:zlib'

import * as Y from 'yjs'

const deflate = promisify(deflateRaw)
const inflate = promisify(inflateRaw)

/** `doc`'s state now, packed for storage. The state is taken synchronously, before anything is awaited. */
export function packVersionState(doc: Y.Doc): Promise<Uint8Array> {
  const state = Y.encodeStateAsUpdateV2(doc)
  return deflate(state).then((packed) => new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength))
}

/** A new Y.Doc holding a stored version's state; destroy it when done. */
export async function versionDoc(stored: Uint8Array): Promise<Y.Doc> {
  const state = await inflate(stored)
  const doc = new Y.Doc()
  Y.applyUpdateV2(doc, state)
  return doc
}

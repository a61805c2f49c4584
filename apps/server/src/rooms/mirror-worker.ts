/**
 * The worker thread of `DocumentMirrors`: a copy of each large document, brought up to date before
 * each encoding, and encoded here so the main thread never spends a whole-document encoding on a
 * sync answer or a compaction snapshot.
 */
import { parentPort } from 'node:worker_threads'

import { encodeSyncStep2 } from '@tandem/protocol'
import * as Y from 'yjs'

import { documentChunks } from './document-chunks.js'
import { arrayValuesIn } from './integration-cost.js'
import type { MirrorReply, MirrorRequest } from './mirror-messages.js'

const port = parentPort
if (!port) throw new Error('mirror-worker.ts runs in a worker thread started by DocumentMirrors')

const mirrors = new Map<string, Y.Doc>()

function reply(message: MirrorReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer)
}

/** The buffers that can move to the main thread instead of being copied: each wholly owned by one array. */
function ownBuffers(arrays: readonly Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  const shared = new Set<ArrayBuffer>()
  for (const array of arrays) {
    const buffer = array.buffer as ArrayBuffer
    if (array.byteOffset !== 0 || array.byteLength !== buffer.byteLength || buffers.has(buffer)) shared.add(buffer)
    buffers.add(buffer)
  }
  return [...buffers].filter((buffer) => !shared.has(buffer))
}

function forget(key: string): void {
  mirrors.get(key)?.destroy()
  mirrors.delete(key)
}

/**
 * A mirror holds what its room integrated, never what the room holds back: structs with missing
 * dependencies reach it in a later catch-up once the room has integrated them.
 */
function dropPending(doc: Y.Doc): void {
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
}

/** Apply `updates` to the mirror of `key`; on failure drop it, say so, and return `false`. */
function apply(key: string, doc: Y.Doc, updates: readonly Uint8Array[]): boolean {
  try {
    for (const update of updates) Y.applyUpdate(doc, update)
    return true
  } catch (error) {
    forget(key)
    reply({ type: 'lost', key, message: error instanceof Error ? error.message : String(error) })
    return false
  }
}

function start(key: string, parts: readonly Uint8Array[]): Y.Doc | null {
  forget(key)
  const doc = new Y.Doc({ gc: true })
  mirrors.set(key, doc)
  return apply(key, doc, parts.length > 1 ? [Y.mergeUpdates(parts as Uint8Array[])] : parts) ? doc : null
}

port.on('message', (request: MirrorRequest) => {
  switch (request.type) {
    case 'track': {
      const doc = start(request.key, request.parts)
      if (doc) dropPending(doc)
      return
    }
    case 'load': {
      const doc = start(request.key, request.parts)
      if (!doc) {
        reply({ type: 'missing', id: request.id, key: request.key })
        return
      }
      // The chunks carry the document's pending parts too (the room holds them as loading always
      // did); the mirror itself keeps only what integrated.
      const chunks = documentChunks(doc, request.chunkStructs)
      dropPending(doc)
      reply(
        {
          type: 'loaded',
          id: request.id,
          key: request.key,
          chunks,
          arrayValues: arrayValuesIn(doc),
          stateVector: Y.encodeStateVector(doc),
        },
        ownBuffers(chunks),
      )
      return
    }
    case 'forget':
      forget(request.key)
      return
    case 'encode': {
      const doc = mirrors.get(request.key)
      if (!doc || (request.base && !apply(request.key, doc, [request.base]))) {
        reply({ type: 'missing', id: request.id, key: request.key })
        return
      }
      dropPending(doc)
      const started = performance.now()
      const encoded = request.stateVector ? Y.encodeStateAsUpdate(doc, request.stateVector) : Y.encodeStateAsUpdate(doc)
      const update = request.as === 'sync-step-2' ? encodeSyncStep2(encoded) : encoded
      const ms = performance.now() - started
      reply({ type: 'encoded', id: request.id, update, ms }, ownBuffers([update]))
      return
    }
  }
})

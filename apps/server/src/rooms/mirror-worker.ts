/**
 * The worker thread of `DocumentMirrors`: an exact copy of each large document, kept current with
 * every change its room emits, and encoded here so the main thread never spends a whole-document
 * encoding on a sync answer or a compaction snapshot.
 */
import { parentPort } from 'node:worker_threads'
import * as Y from 'yjs'
import type { MirrorReply, MirrorRequest } from './mirror-messages.js'
import { warmUpYjs } from './yjs-warm-up.js'

const port = parentPort
if (!port) throw new Error('mirror-worker.ts runs in a worker thread started by DocumentMirrors')

const mirrors = new Map<string, Y.Doc>()

warmUpYjs(2)

function reply(message: MirrorReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer)
}

function forget(key: string): void {
  mirrors.get(key)?.destroy()
  mirrors.delete(key)
}

/**
 * A mirror holds what its room integrated, never what the room holds back: changes with missing
 * dependencies reach it in the room's own 'update' events once they integrate.
 */
function dropPending(doc: Y.Doc): void {
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
}

function apply(key: string, doc: Y.Doc, updates: readonly Uint8Array[]): void {
  try {
    for (const update of updates) Y.applyUpdate(doc, update)
    dropPending(doc)
  } catch (error) {
    forget(key)
    reply({ type: 'lost', key, message: error instanceof Error ? error.message : String(error) })
  }
}

port.on('message', (request: MirrorRequest) => {
  switch (request.type) {
    case 'track': {
      forget(request.key)
      const doc = new Y.Doc({ gc: true })
      mirrors.set(request.key, doc)
      apply(request.key, doc, request.parts)
      return
    }
    case 'changes':
      for (const [key, update] of request.changes) {
        const doc = mirrors.get(key)
        if (doc) apply(key, doc, [update])
      }
      return
    case 'forget':
      forget(request.key)
      return
    case 'encode': {
      const doc = mirrors.get(request.key)
      if (!doc) {
        reply({ type: 'missing', id: request.id, key: request.key })
        return
      }
      const started = performance.now()
      const update = request.stateVector ? Y.encodeStateAsUpdate(doc, request.stateVector) : Y.encodeStateAsUpdate(doc)
      const ms = performance.now() - started
      // The bytes move to the main thread instead of being copied; `update` owns its whole buffer.
      const transfer = update.byteOffset === 0 && update.byteLength === update.buffer.byteLength ? [update.buffer as ArrayBuffer] : []
      reply({ type: 'encoded', id: request.id, update, ms }, transfer)
      return
    }
  }
})

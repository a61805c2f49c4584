/**
 * The worker thread of the `IntegrationProbe`: mirrors of the rooms it measures for, and the timing
 * of one update at a time against them. Everything here may run as long as Yjs takes; the
 * main thread terminates the worker when a measurement overruns.
 */
import { parentPort } from 'node:worker_threads'

import * as Y from 'yjs'

import type { MeasuredOutcome, ProbeReply, ProbeRequest } from './integration-messages.js'
import { warmUpYjs } from './yjs-warm-up.js'

const port = parentPort
if (!port) throw new Error('integration-worker.ts runs in a worker thread started by IntegrationProbe')

const mirrors = new Map<string, Y.Doc>()

// Before the first message is read: a cold thread would time updates several times too slow.
warmUpYjs()

function forget(key: string): void {
  mirrors.get(key)?.destroy()
  mirrors.delete(key)
}

/** Makes Yjs encode each change, as it does for a room (nothing is done with the bytes). */
function encodedAnyway(): void {}

function reply(message: ProbeReply): void {
  port!.postMessage(message)
}

/** Yjs' pending state is the main thread's to hold: the mirror carries it only while measuring. */
function clearPending(doc: Y.Doc): void {
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
}

function measure(request: Extract<ProbeRequest, { type: 'measure' }>): MeasuredOutcome {
  const { id, key, update, maxMs } = request
  if (request.full) forget(key)
  let doc = mirrors.get(key)
  if (!doc && !request.full) return { verdict: 'no-mirror' }
  try {
    if (!doc) {
      doc = new Y.Doc({ gc: true })
      // The room's document has 'update' listeners, so Yjs encodes every change it integrates; the
      // mirror must do the same work (about 1.6× the time of integrating alone for a large update).
      doc.on('update', encodedAnyway)
      mirrors.set(key, doc)
    }
    Y.applyUpdate(doc, request.base)
    clearPending(doc)
    for (const part of request.pending) Y.applyUpdateV2(doc, part)
  } catch {
    // The room holds all this already; a mirror that cannot is no mirror of it.
    forget(key)
    return { verdict: 'no-mirror' }
  }
  reply({ type: 'started', id })
  const started = performance.now()
  try {
    Y.applyUpdate(doc, update)
  } catch (error) {
    forget(key)
    return { verdict: 'rejected', message: error instanceof Error ? error.message : String(error) }
  }
  const ms = performance.now() - started
  clearPending(doc)
  if (ms <= maxMs) return { verdict: 'fits', ms }
  // The room will not apply it, so the mirror no longer matches the room.
  forget(key)
  return { verdict: 'too-costly', ms }
}

port.on('message', (request: ProbeRequest) => {
  switch (request.type) {
    case 'forget':
      forget(request.key)
      return
    case 'measure':
      reply({ type: 'result', id: request.id, outcome: measure(request) })
      return
  }
})

/**
 * How much main-thread work integrating an update can cost, bounded before Yjs sees it.
 *
 * Yjs integrates an update in one synchronous call. Most of that is linear in the update, but each
 * part may visit every struct of its list once: concurrent inserts at one spot are ordered by scanning
 * the inserts already there, and deleted ranges and formatting walk the structs they cover. So
 * parts × (structs + parts) bounds the visits. A keystroke in the automerge-paper document (11,000
 * structs) bounds at about 30,000; the second of two crafted batches of 4,000 concurrent inserts at
 * one spot, at 35 million (16 million visits, measured at 1.2-4.6 s).
 */
import type * as Y from 'yjs'

/**
 * Visits an update may be bounded by and still be integrated on the main thread unmeasured: about
 * 15 ms at the 75-300 ns a visit of Yjs' conflict scan took on this machine.
 */
export const DIRECT_INTEGRATION_STEPS = 50_000

/**
 * Upper bound on the struct visits of integrating an update of `parts` parts (structs, deleted ranges
 * and clients, as counted by `inspectUpdate`) into `doc`. Yjs retries its pending structs and deletes
 * with every update; each of their bytes counts as a part, since they were never inspected.
 */
export function integrationSteps(doc: Y.Doc, parts: number): number {
  let structs = 0
  for (const list of doc.store.clients.values()) structs += list.length
  const store = doc.store
  const incoming = parts + (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0)
  return incoming * (structs + incoming)
}

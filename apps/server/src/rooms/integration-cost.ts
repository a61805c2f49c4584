/**
 * How much main-thread work integrating an update can cost, bounded before Yjs sees it.
 *
 * Yjs integrates an update in one synchronous call. Most of that is linear in the update, but each
 * part may visit every struct of its list once: concurrent inserts at one spot are ordered by scanning
 * the inserts already there, and deleted ranges and formatting walk the structs they cover. Splitting
 * an array content (`ContentAny`, `ContentJSON`), which an insert or delete inside it does, copies it
 * whole, so each of its values counts like a struct. Hence, counting the update's array values as
 * parts too: parts × (structs + array values + parts) bounds the work. A keystroke in the
 * automerge-paper document (11,000 structs) bounds at about 30,000; the second of two crafted batches
 * of 4,000 concurrent inserts at one spot, at 35 million (16 million visits, measured at 1.2-4.6 s);
 * 200 one-value deletes inside an array of a million values, at 200 million (3.7 s).
 */
import * as Y from 'yjs'

/**
 * Work an update may be bounded by and still be integrated on the main thread unmeasured: about
 * 15 ms at the 75-300 ns a visit of Yjs' conflict scan took on this machine.
 */
export const DIRECT_INTEGRATION_STEPS = 50_000

/** An update's size as `inspectUpdate` counts it. */
export interface IncomingSize {
  /** Structs, deleted ranges and clients. */
  parts: number
  /** Values of its array contents. */
  elements: number
}

/** Values in the array contents of `doc`: walked once when a room loads, then kept up by the room. */
export function arrayValuesIn(doc: Y.Doc): number {
  let values = 0
  for (const structs of doc.store.clients.values()) {
    for (const struct of structs) {
      if (struct instanceof Y.Item && (struct.content instanceof Y.ContentAny || struct.content instanceof Y.ContentJSON)) values += struct.length
    }
  }
  return values
}

/**
 * Upper bound on the work of integrating an update of `incoming` size into `doc`, which holds
 * `arrayValues` array values (an upper bound will do: values deleted since still count). Yjs retries
 * its pending structs and deletes with every update; each of their bytes counts as a part, since they
 * were never inspected.
 */
export function integrationSteps(doc: Y.Doc, incoming: IncomingSize, arrayValues: number): number {
  const store = doc.store
  let structs = 0
  for (const list of store.clients.values()) structs += list.length
  const count = incoming.parts + incoming.elements + (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0)
  return count * (structs + arrayValues + count)
}

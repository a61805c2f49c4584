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

/** Largest update (parts plus array values) {@link localIntegrationSteps} looks at; larger ones keep the coarse bound. */
const LOCAL_MAX_COUNT = 64

/**
 * A tighter bound for a small update, or `null` when it cannot be had cheaply. The coarse bound
 * charges every part the whole document, so in a document past ~25,000 structs every keystroke would
 * be measured; but an insert only scans the list it lands in (a paragraph, in an editor), and a
 * deleted range only visits the structs it covers. So: each insert costs the length of its list,
 * each deleted range the structs it covers, each part the parts and the array values (splits).
 * Lists are walked at most until the bound passes `limit`, so this costs at most `limit` steps of
 * walking. Inserts whose neighbours or parent come in the same update, or are missing, and documents
 * holding pending structs, keep the coarse bound.
 */
export function localIntegrationSteps(doc: Y.Doc, update: Uint8Array, incoming: IncomingSize, arrayValues: number, limit: number): number | null {
  const store = doc.store
  const count = incoming.parts + incoming.elements
  if (count > LOCAL_MAX_COUNT || store.pendingStructs !== null || store.pendingDs !== null) return null
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch {
    return null
  }
  let steps = count * (count + arrayValues)
  const walked = new Map<unknown, number>()
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue
    const list = listOf(doc, struct)
    if (list === null) return null
    const key = list.sub === null ? list.parent : `${list.sub}\u0000${walkKey(list.parent)}`
    let length = walked.get(key)
    if (length === undefined) {
      length = listLength(list, limit - steps + 1)
      walked.set(key, length)
    }
    steps += length
    if (steps > limit) return steps
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const structs = store.clients.get(client)
    if (!structs) continue
    const known = Y.getState(store, client)
    for (const { clock, len } of ranges) {
      const last = Math.min(clock + len, known) - 1
      if (last < clock) continue
      steps += Y.findIndexSS(structs, last) - Y.findIndexSS(structs, clock) + 1
    }
    if (steps > limit) return steps
  }
  return steps
}

/** What of a Yjs type the walk reads. */
interface ListOwner {
  _start: Y.Item | null
  _map: Map<string, Y.Item>
}

interface List {
  parent: ListOwner
  /** The map key, for map entries; `null` for a sequence. */
  sub: string | null
}

const typeKeys = new WeakMap<object, number>()
let nextTypeKey = 0

function walkKey(type: object): number {
  let key = typeKeys.get(type)
  if (key === undefined) typeKeys.set(type, (key = nextTypeKey++))
  return key
}

/** The list an incoming item lands in, if the document already holds what decides it. */
function listOf(doc: Y.Doc, item: Y.Item): List | null {
  const store = doc.store
  const neighbour = item.origin ?? item.rightOrigin
  if (neighbour) {
    const existing = itemIn(store, neighbour)
    if (!existing || !(existing.parent instanceof Y.AbstractType)) return null
    return { parent: existing.parent, sub: existing.parentSub }
  }
  const parent: unknown = item.parent
  if (typeof parent === 'string') {
    const root = doc.share.get(parent)
    // A root type nobody used yet: an empty list.
    return root ? { parent: root, sub: item.parentSub } : { parent: { _start: null, _map: new Map() }, sub: null }
  }
  if (parent instanceof Y.ID) {
    const owner = itemIn(store, parent)
    if (!owner || !(owner.content instanceof Y.ContentType)) return null
    return { parent: owner.content.type, sub: item.parentSub }
  }
  return null
}

function itemIn(store: Y.Doc['store'], id: Y.ID): Y.Item | null {
  if (id.clock >= Y.getState(store, id.client)) return null
  const struct = Y.getItem(store, id)
  return struct instanceof Y.Item ? struct : null
}

/** Items in `list` (deleted ones too: Yjs walks them), counting at most `cap`. */
function listLength({ parent, sub }: List, cap: number): number {
  let length = 0
  if (sub === null) {
    for (let item = parent._start; item !== null && length < cap; item = item.right) length++
  } else {
    for (let item = parent._map.get(sub) ?? null; item !== null && length < cap; item = item.left) length++
  }
  return length
}

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

import type { UpdateInspection } from './update-problem.js'

/**
 * Work an update may be bounded by and still be integrated on the main thread unmeasured: about
 * 15 ms at the 75-300 ns a visit of Yjs' conflict scan took on this machine.
 */
export const DIRECT_INTEGRATION_STEPS = 50_000

/** An update as `inspectUpdate` sees it (see `UpdateInspection`). */
export type IncomingSize = Omit<UpdateInspection, 'problem'>

/**
 * What one step of a walk over a list may cost, in steps of the threshold: Yjs' conflict scan looks
 * each visited item's origin up by binary search, so a step in a document of 200,000 structs cost
 * 1.4-3.5 µs, not the 75-300 ns of one of 10,000.
 */
function stepWeight(structs: number): number {
  // 1 up to 8,192 structs; 5.7 at 200,000 (≤ 31 ms at 3.5 µs a step); 8.5 at 1.45 million.
  return Math.max(1, Math.log2(structs / 4096))
}

/**
 * What splitting the document's structs where `incoming` names them costs: Yjs copies a string or
 * array content when it splits it (a string split next to a surrogate pair rebuilds both halves), so
 * each neighbour or deleted range's ends inside such a struct costs that struct's length. At most `cap`.
 */
function splitSteps(doc: Y.Doc, incoming: IncomingSize, cap: number): number {
  if (!incoming.placesComplete) return Infinity
  const store = doc.store
  let steps = 0
  // Splitting happens unless the struct already ends (for a left neighbour) or starts (right) there.
  const split = (client: number, clock: number, endsAfter: boolean): void => {
    const item = itemIn(store, new Y.ID(client, clock))
    if (
      !item ||
      item.length < 2 ||
      !(item.content instanceof Y.ContentString || item.content instanceof Y.ContentAny || item.content instanceof Y.ContentJSON)
    )
      return
    if (endsAfter ? clock === item.id.clock + item.length - 1 : clock === item.id.clock) return
    steps += item.length
  }
  for (const [client, clock, side] of incoming.neighbours) {
    split(client, clock, side === 'left')
    if (steps > cap) return steps
  }
  for (const [client, clock, length] of incoming.deletedRanges) {
    split(client, clock, false)
    split(client, clock + length - 1, true)
    if (steps > cap) return steps
  }
  return steps
}

/** Values in the array contents of `doc`: walked once when a room loads, then kept up by the room. */
export function arrayValuesIn(doc: Y.Doc): number {
  let values = 0
  for (const structs of doc.store.clients.values()) {
    for (const struct of structs) {
      if (struct instanceof Y.Item && (struct.content instanceof Y.ContentAny || struct.content instanceof Y.ContentJSON))
        values += struct.length
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
export function integrationSteps(
  doc: Y.Doc,
  incoming: IncomingSize,
  arrayValues: number,
  limit = DIRECT_INTEGRATION_STEPS,
  structs = structCount(doc),
): number {
  const count = incoming.parts + incoming.elements + pendingBytes(doc.store)
  const steps = count * (structs * stepWeight(structs) + arrayValues + count)
  return steps > limit ? steps : steps + splitSteps(doc, incoming, limit - steps + 1)
}

/** Bytes Yjs holds back waiting for missing dependencies (pending structs and deletes). */
export function pendingBytes(store: Y.Doc['store']): number {
  return (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0)
}

/** Structs in the document's store (O(clients)). */
export function structCount(doc: Y.Doc): number {
  let structs = 0
  for (const list of doc.store.clients.values()) structs += list.length
  return structs
}

/** Largest update (parts plus array values) {@link localIntegrationSteps} looks at; larger ones keep the coarse bound. */
const LOCAL_MAX_COUNT = 64

/**
 * A tighter bound for a small update, or `null` when it cannot be had cheaply. The coarse bound
 * charges every part the whole document, so in a large document every keystroke would be measured;
 * but an insert only scans the items between its two neighbours (none, for ordinary typing), and a
 * deleted range only visits the structs it covers. So: each insert costs the stretch of its list
 * between where its neighbours can be (its whole list for format items, which make Yjs clean up the
 * whole text, and for map entries), each deleted range the structs it covers, each part the parts and
 * the array values (splits). A neighbour that arrives in the same update stands for the stretch that
 * one can land in. Walks stop once the bound passes `limit`, so this costs at most `limit` steps.
 * Updates naming structs the document lacks, and documents holding pending structs, keep the coarse
 * bound.
 */
export function localIntegrationSteps(
  doc: Y.Doc,
  update: Uint8Array,
  incoming: IncomingSize,
  arrayValues: number,
  limit: number,
  structs = structCount(doc),
): number | null {
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
  const weight = stepWeight(structs)
  const placements = new Placements(doc)
  const walked = new Map<ListOwner, Map<string | null, number>>()
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue
    const placement = placements.place(struct)
    if (placement === null) return null
    const cap = Math.ceil((limit - steps + 1) / weight)
    const visits =
      struct.parentSub !== null || struct.content instanceof Y.ContentFormat
        ? wholeList(placement.list, struct.parentSub, walked, cap)
        : stretch(placement, cap)
    steps += visits * weight
    if (steps > limit) return steps
  }
  steps += splitSteps(doc, incoming, limit - steps + 1)
  if (steps > limit) return steps
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

/** What of a Yjs type the walks read. */
interface ListOwner {
  _start: Y.Item | null
  _map: Map<string, Y.Item>
}

/**
 * Where an incoming item can land: in `list`, somewhere after `after` (a document item; `null` for the
 * list's start) and before `before` (`null` for its end).
 */
interface Placement {
  list: ListOwner
  after: Y.Item | null
  before: Y.Item | null
}

/** A list nobody wrote to yet: a root type never used, or a type created by the same update. */
const EMPTY_LIST: ListOwner = { _start: null, _map: new Map() }

/** The placements of an update's items, in the order Yjs integrates them. */
class Placements {
  readonly #doc: Y.Doc
  /** Items of the update placed so far, per client, in clock order. */
  readonly #placed = new Map<number, Array<{ clock: number; length: number; placement: Placement; type: boolean }>>()

  constructor(doc: Y.Doc) {
    this.#doc = doc
  }

  /** Where `item` can land, or `null` if the document and the update so far do not tell. */
  place(item: Y.Item): Placement | null {
    const left = item.origin ? this.#neighbour(item.origin) : null
    const right = item.rightOrigin ? this.#neighbour(item.rightOrigin) : null
    if (left === undefined || right === undefined) return null
    const list = left?.list ?? right?.list ?? this.#parentList(item.parent)
    if (list === null) return null
    const placement = { list, after: left?.asLeft ?? null, before: right?.asRight ?? null }
    let items = this.#placed.get(item.id.client)
    if (!items) this.#placed.set(item.id.client, (items = []))
    items.push({ clock: item.id.clock, length: item.length, placement, type: item.content instanceof Y.ContentType })
    return placement
  }

  /**
   * The neighbour `id` names, as the end of a stretch: an item of the document bounds it itself, an
   * item of this update (placed already) where that one can be; `undefined` when it is neither
   * (missing, or in a part of the update not reached yet).
   */
  #neighbour(id: Y.ID): { list: ListOwner; asLeft: Y.Item | null; asRight: Y.Item | null } | undefined {
    const item = itemIn(this.#doc.store, id)
    if (item) return item.parent instanceof Y.AbstractType ? { list: item.parent, asLeft: item, asRight: item } : undefined
    const earlier = this.#find(id)?.placement
    return earlier ? { list: earlier.list, asLeft: earlier.after, asRight: earlier.before } : undefined
  }

  /** The list of the type `parent` names, when neither neighbour decided it. */
  #parentList(parent: unknown): ListOwner | null {
    if (typeof parent === 'string') return this.#doc.share.get(parent) ?? EMPTY_LIST
    if (!(parent instanceof Y.ID)) return null
    const owner = itemIn(this.#doc.store, parent)
    if (owner) return owner.content instanceof Y.ContentType ? owner.content.type : null
    // A type created by this same update: only this update's items are in it.
    return this.#find(parent)?.type ? EMPTY_LIST : null
  }

  #find(id: Y.ID): { placement: Placement; type: boolean } | null {
    for (const entry of this.#placed.get(id.client) ?? []) {
      if (id.clock >= entry.clock && id.clock < entry.clock + entry.length) return entry
    }
    return null
  }
}

/** Items between where a placement starts and ends (deleted ones too: Yjs walks them), counting at most `cap`. */
function stretch({ list, after, before }: Placement, cap: number): number {
  // Both neighbours inside one struct: Yjs splits it there (charged by splitSteps), and scans nothing.
  if (after !== null && after === before) return 0
  let steps = 0
  for (let item = after ? after.right : list._start; item !== null && item !== before && steps < cap; item = item.right) steps++
  return steps
}

/** Items in a whole list, or in a map entry's history (walked once per list and update), counting at most `cap`. */
function wholeList(list: ListOwner, sub: string | null, walked: Map<ListOwner, Map<string | null, number>>, cap: number): number {
  let lengths = walked.get(list)
  if (!lengths) walked.set(list, (lengths = new Map<string | null, number>()))
  let length = lengths.get(sub)
  if (length === undefined) {
    length = 0
    if (sub === null) {
      for (let item = list._start; item !== null && length < cap; item = item.right) length++
    } else {
      for (let item = list._map.get(sub) ?? null; item !== null && length < cap; item = item.left) length++
    }
    lengths.set(sub, length)
  }
  return length
}

function itemIn(store: Y.Doc['store'], id: Y.ID): Y.Item | null {
  if (id.clock >= Y.getState(store, id.client)) return null
  const struct = Y.getItem(store, id)
  return struct instanceof Y.Item ? struct : null
}

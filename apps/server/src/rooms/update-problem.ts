/**
 * Plausibility checks for untrusted Yjs bytes, run before Yjs decodes them. Yjs trusts the counts
 * and lengths it reads: a few bytes declaring 30 million structs make `Y.applyUpdate` allocate an
 * array of that size (~240 MB) before it notices the bytes ran out (yjs#687 describes the family).
 * These walks read the update v1 format (the one y-websocket sends) without allocating anything,
 * check that every declared count and length fits in the bytes that remain, and that the whole
 * input is consumed, so whatever Yjs then allocates is bounded by the size of the frame.
 *
 * They check structure, not meaning: an update that passes may still be refused by Yjs (bad JSON in
 * a JSON item, say), which the caller handles as before.
 */
import { isUtf8 } from 'node:buffer'

/** Deepest nesting of `ContentAny` values (lib0 "any" encoding) accepted; Yjs decodes them recursively. */
export const MAX_ANY_DEPTH = 100

/** lib0 writes at most 8 bytes for an integer up to 2^53; anything longer is not from Yjs. */
const MAX_VARUINT_BYTES = 8

/** Smallest encoding of one struct: its info byte plus one byte of length or content. */
const MIN_STRUCT_BYTES = 2

/** `info & 0b11111`: what a struct holds (yjs `src/utils/encoding.js`, `contentRefs` in `Item.js`). */
const Content = {
  Gc: 0,
  Deleted: 1,
  Json: 2,
  Binary: 3,
  String: 4,
  Embed: 5,
  Format: 6,
  Type: 7,
  Any: 8,
  Doc: 9,
  Skip: 10,
} as const

const HAS_ORIGIN = 0x80
const HAS_RIGHT_ORIGIN = 0x40
const HAS_PARENT_SUB = 0x20
const CONTENT_BITS = 0x1f

/** Type refs of `ContentType` (yjs `typeRefs`): 3 (XmlElement) and 5 (XmlHook) carry a name. */
const TYPE_REF_COUNT = 7
const NAMED_TYPE_REFS = new Set([3, 5])

/** lib0 "any" tag of an object. */
const ANY_OBJECT = 118

/** Thrown inside a walk; caught at its entry point and turned into the problem text. */
class Implausible extends Error {}

/** A read position over bytes that never allocates and stops at the first implausible value. */
class Cursor {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Implausible('truncated')
    return this.bytes[this.pos++]!
  }

  varUint(): number {
    let value = 0
    let multiplier = 1
    for (let i = 0; i < MAX_VARUINT_BYTES; i++) {
      const byte = this.byte()
      value += (byte & 0x7f) * multiplier
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw new Implausible('integer out of range')
        return value
      }
      multiplier *= 128
    }
    throw new Implausible('integer encoded in too many bytes')
  }

  /** A signed lib0 varint: sign and six bits in the first byte, then seven bits per byte. */
  varInt(): void {
    let byte = this.byte()
    for (let i = 1; byte >= 0x80; i++) {
      if (i >= MAX_VARUINT_BYTES) throw new Implausible('integer encoded in too many bytes')
      byte = this.byte()
    }
  }

  /** Skip `length` bytes, which must be there. */
  skip(length: number): void {
    if (length > this.remaining) throw new Implausible(`declares ${length} bytes but ${this.remaining} remain`)
    this.pos += length
  }

  /** Skip a length-prefixed byte string (a lib0 `varUint8Array`). */
  lengthPrefixed(): number {
    const length = this.varUint()
    this.skip(length)
    return length
  }

  /** Skip a lib0 `varString`, which lib0 decodes with a fatal UTF-8 decoder. */
  string(): number {
    const length = this.lengthPrefixed()
    const bytes = this.bytes
    const end = this.pos
    // Most strings are ASCII: check them in place; hand the rest to the native validator.
    for (let i = end - length; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        if (!isUtf8(bytes.subarray(i, end))) throw new Implausible(`invalid UTF-8 at byte ${i}`)
        break
      }
    }
    return length
  }

  /**
   * Skip a `varString` holding JSON text, refusing arrays and objects nested deeper than
   * {@link MAX_ANY_DEPTH}: V8 parses any depth, but `JSON.stringify` overflows the stack past a few
   * thousand levels, and Yjs stringifies these values again whenever it encodes the document — a 12 KB
   * `[[[…]]]` would leave a room that can never answer a sync. Brackets and quotes are ASCII, so a
   * byte scan that skips string literals counts the nesting exactly.
   */
  jsonText(): void {
    const length = this.string()
    const bytes = this.bytes
    let depth = 0
    let inString = false
    for (let i = this.pos - length; i < this.pos; i++) {
      const byte = bytes[i]!
      if (inString) {
        if (byte === 0x5c)
          i++ // backslash: the next byte is escaped
        else if (byte === 0x22) inString = false
      } else if (byte === 0x22) {
        inString = true
      } else if (byte === 0x5b || byte === 0x7b) {
        if (++depth > MAX_ANY_DEPTH) throw new Implausible(`JSON nested deeper than ${MAX_ANY_DEPTH}`)
      } else if (byte === 0x5d || byte === 0x7d) {
        depth--
      }
    }
  }

  /** Read a count of items each at least `minBytes` long; refuses counts the rest cannot hold. */
  count(minBytes: number, what: string): number {
    const count = this.varUint()
    if (count * minBytes > this.remaining) throw new Implausible(`declares ${count} ${what} in ${this.remaining} bytes`)
    return count
  }

  /** Read a clock or length and check that `base + it` stays an exact integer. */
  extent(base: number): number {
    const value = this.varUint()
    if (base + value > Number.MAX_SAFE_INTEGER) throw new Implausible('clock out of range')
    return value
  }

  end(): void {
    if (this.remaining > 0) throw new Implausible(`${this.remaining} trailing bytes`)
  }
}

function run(bytes: Uint8Array, walk: (cursor: Cursor) => void): string | null {
  try {
    const cursor = new Cursor(bytes)
    walk(cursor)
    cursor.end()
    return null
  } catch (error) {
    if (error instanceof Implausible) return error.message
    throw error
  }
}

/**
 * Why `update` (Yjs update format v1) is not a plausible update, or `null` if Yjs may decode it:
 * every count and length fits in the bytes, integers are exact, strings are UTF-8, content kinds and
 * type refs exist, nested values are at most {@link MAX_ANY_DEPTH} deep, and no bytes trail. Runs in
 * time linear in the input and allocates nothing in proportion to it.
 * @example
 * const problem = updateProblem(bytes)
 * if (problem) throw new ConnectionError(CloseCode.InvalidUpdate, `implausible update: ${problem}`)
 */
export function updateProblem(update: Uint8Array): string | null {
  return inspectUpdate(update).problem
}

/** What {@link inspectUpdate} finds out about an update in one walk. */
export interface UpdateInspection {
  /** Why the update is implausible, or `null` (see {@link updateProblem}). */
  problem: string | null
  /**
   * What applying it costs Yjs, in parts: each struct, each deleted range, and each client it names
   * (a client new to the room is an entry every later state vector carries, and thousands of
   * one-struct clients inserting at one spot are the most expensive shape Yjs integrates: every
   * insert scans the ones before it). Counted as far as the walk got when the update is implausible.
   */
  parts: number
  /** Structs it inserts (0 for an update that only deletes). */
  structs: number
  /**
   * Values in its array contents (`ContentAny`, `ContentJSON`). Yjs copies an array content whole
   * each time it splits or merges it, so a long one costs per value, not per struct.
   */
  elements: number
  /**
   * The ids its structs name as neighbours (origins and right origins) and the ranges it deletes:
   * where it splits the document's structs. Recorded up to {@link MAX_RECORDED_PLACES} of each;
   * `placesComplete` says whether all were.
   */
  neighbours: Array<[client: number, clock: number, side: 'left' | 'right']>
  deletedRanges: Array<[client: number, clock: number, length: number]>
  placesComplete: boolean
}

/** Neighbours and deleted ranges {@link inspectUpdate} records (the default `MAX_UPDATE_STRUCTS` allows ~4,096 parts). */
const MAX_RECORDED_PLACES = 8192

type Tally = Omit<UpdateInspection, 'problem' | 'parts' | 'structs'>

/** Check `update` and count its parts in one walk; see {@link UpdateInspection}. */
export function inspectUpdate(update: Uint8Array): UpdateInspection {
  let parts = 0
  let structCount = 0
  const tally: Tally = { elements: 0, neighbours: [], deletedRanges: [], placesComplete: true }
  const problem = run(update, (cursor) => {
    const clients = cursor.count(3, 'clients')
    parts += clients
    for (let i = 0; i < clients; i++) {
      const structs = cursor.count(MIN_STRUCT_BYTES, 'structs')
      parts += structs
      structCount += structs
      cursor.varUint() // client id
      let clock = cursor.extent(0)
      for (let j = 0; j < structs; j++) {
        clock += struct(cursor, clock, tally)
        if (clock > Number.MAX_SAFE_INTEGER) throw new Implausible('clock out of range')
      }
    }
    parts += deleteSet(cursor, tally)
  })
  return { problem, parts, structs: structCount, ...tally }
}

/** Thrown to end a walk early; not a problem with the bytes. */
class Enough extends Error {}

/**
 * Structs in `updates` (format v1), counted until the count reaches `cap`: the walk stops there, so
 * asking whether a stored document is large costs at most `cap` structs of parsing, whatever its
 * size. An update that does not parse counts as `cap` (let whatever loads it find out).
 */
export function structsUpTo(updates: readonly Uint8Array[], cap: number): number {
  let structs = 0
  const tally: Tally = { elements: 0, neighbours: [], deletedRanges: [], placesComplete: false }
  for (const update of updates) {
    try {
      const cursor = new Cursor(update)
      const clients = cursor.count(3, 'clients')
      for (let i = 0; i < clients; i++) {
        const count = cursor.count(MIN_STRUCT_BYTES, 'structs')
        cursor.varUint() // client id
        let clock = cursor.extent(0)
        for (let j = 0; j < count; j++) {
          if (++structs >= cap) throw new Enough()
          clock += struct(cursor, clock, tally)
          // Nothing is kept: only the count matters here.
          tally.neighbours.length = 0
        }
      }
    } catch (error) {
      if (error instanceof Enough || error instanceof Implausible) return cap
      throw error
    }
  }
  return structs
}

/** Why `stateVector` (as in a sync step 1) is not a plausible state vector, or `null`. */
export function stateVectorProblem(stateVector: Uint8Array): string | null {
  return run(stateVector, (cursor) => {
    const entries = cursor.count(2, 'entries')
    for (let i = 0; i < entries; i++) {
      cursor.varUint() // client id
      cursor.extent(0) // clock
    }
  })
}

/**
 * Walk one struct starting at `clock`; returns how many clocks it spans (an upper bound for strings).
 * Adds the values of array contents to `tally.elements`.
 */
function struct(cursor: Cursor, clock: number, tally: Tally): number {
  const info = cursor.byte()
  const content = info & CONTENT_BITS
  if (content === Content.Gc || content === Content.Skip) return positiveExtent(cursor, clock)
  if (info & HAS_ORIGIN) record(tally.neighbours, [cursor.varUint(), cursor.varUint(), 'left'], tally)
  if (info & HAS_RIGHT_ORIGIN) record(tally.neighbours, [cursor.varUint(), cursor.varUint(), 'right'], tally)
  if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
    // No neighbour to copy the parent from: a root type's name (parent info 1) or the parent's id.
    if (cursor.varUint() === 1) cursor.string()
    else id(cursor)
    if (info & HAS_PARENT_SUB) cursor.string()
  }
  switch (content) {
    case Content.Deleted:
      return positiveExtent(cursor, clock)
    case Content.Json: {
      const count = cursor.count(1, 'JSON values')
      for (let i = 0; i < count; i++) cursor.jsonText()
      tally.elements += count
      return count
    }
    case Content.Binary:
      cursor.lengthPrefixed()
      return 1
    case Content.Embed:
      cursor.jsonText()
      return 1
    case Content.String:
      // Yjs counts UTF-16 units, never more than the UTF-8 bytes: enough to keep clocks exact.
      return Math.max(cursor.string(), 1)
    case Content.Format:
      cursor.string() // key
      cursor.jsonText() // JSON value
      return 1
    case Content.Type: {
      const ref = cursor.varUint()
      if (ref >= TYPE_REF_COUNT) throw new Implausible(`unknown type ref ${ref}`)
      if (NAMED_TYPE_REFS.has(ref)) cursor.string()
      return 1
    }
    case Content.Any: {
      const count = cursor.count(1, 'values')
      for (let i = 0; i < count; i++) anyValue(cursor, 1)
      tally.elements += count
      return count
    }
    case Content.Doc:
      cursor.string() // guid
      // Yjs spreads the options into `new Doc(...)` and reads fields of them: only an object will do.
      if (cursor.bytes[cursor.pos] !== ANY_OBJECT) throw new Implausible('subdocument options are not an object')
      anyValue(cursor, 1)
      return 1
    default:
      throw new Implausible(`unknown content kind ${content}`)
  }
}

function positiveExtent(cursor: Cursor, clock: number): number {
  const length = cursor.extent(clock)
  if (length === 0) throw new Implausible('zero-length struct')
  return length
}

function id(cursor: Cursor): [client: number, clock: number] {
  return [cursor.varUint(), cursor.varUint()]
}

function record<T>(list: T[], entry: T, tally: Tally): void {
  if (list.length < MAX_RECORDED_PLACES) list.push(entry)
  else tally.placesComplete = false
}

/** One value of lib0's "any" encoding (`readAny`): a tag byte, then the value. */
function anyValue(cursor: Cursor, depth: number): void {
  if (depth > MAX_ANY_DEPTH) throw new Implausible(`values nested deeper than ${MAX_ANY_DEPTH}`)
  const tag = cursor.byte()
  switch (tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return
    case 125: // integer
      cursor.varInt()
      return
    case 124: // float32
      cursor.skip(4)
      return
    case 123: // float64
    case 122: // bigint64
      cursor.skip(8)
      return
    case 119: // string
      cursor.string()
      return
    case 116: // Uint8Array
      cursor.lengthPrefixed()
      return
    case ANY_OBJECT: {
      // object: key string, then value, per entry
      const entries = cursor.count(2, 'object entries')
      for (let i = 0; i < entries; i++) {
        cursor.string()
        anyValue(cursor, depth + 1)
      }
      return
    }
    case 117: {
      const items = cursor.count(1, 'array items')
      for (let i = 0; i < items; i++) anyValue(cursor, depth + 1)
      return
    }
    default:
      throw new Implausible(`unknown value tag ${tag}`)
  }
}

/** The delete set that ends every update: per client, ranges of (clock, length). */
/** Walk a delete set; returns how many ranges it deletes. */
function deleteSet(cursor: Cursor, tally: Tally): number {
  const clients = cursor.count(2, 'delete-set clients')
  let ranges = 0
  for (let i = 0; i < clients; i++) {
    const client = cursor.varUint()
    const count = cursor.count(2, 'deleted ranges')
    ranges += count
    for (let j = 0; j < count; j++) {
      const clock = cursor.extent(0)
      const length = cursor.extent(clock)
      // Yjs never writes an empty range, but would split the struct there all the same.
      if (length === 0) throw new Implausible('zero-length deleted range')
      record(tally.deletedRanges, [client, clock, length], tally)
    }
  }
  return ranges
}

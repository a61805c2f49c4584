/**
 * fast-check generators of hostile y-websocket messages: every message type Tandem's document socket
 * knows (sync step 1/2/update, awareness, query-awareness, auth, channel frames) built with plausible
 * structure but hostile values (huge lengths and clocks, lying counts, odd JSON), real frames from a
 * stock client mutated byte by byte, malformed varints, unknown types and plain random bytes.
 */
import { MessageType, SyncStep } from '@tandem/protocol'
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'

/** One generated message and what kind of attack made it (for the summary). */
export interface HostileMessage {
  kind: string
  bytes: Uint8Array
}

const build = (write: (encoder: encoding.Encoder) => void): Uint8Array => {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** Unsigned integers decoders treat specially: bytes boundaries, 32-bit and 53-bit limits. */
const edgeUint = fc.oneof(
  { arbitrary: fc.nat(16), weight: 4 },
  { arbitrary: fc.nat(100_000), weight: 2 },
  {
    arbitrary: fc.constantFrom(127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER),
    weight: 2,
  },
  { arbitrary: fc.maxSafeNat(), weight: 1 },
)

const json = fc.jsonValue({ maxDepth: 4 })
const shortString = fc.string({ maxLength: 40, unit: 'grapheme' })

/** A Yjs v1 struct (GC, Skip or Item) with any content type, valid or not. */
const struct = fc.record({
  ref: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 10 }), weight: 9 }, { arbitrary: fc.integer({ min: 11, max: 31 }), weight: 1 }),
  flags: fc.integer({ min: 0, max: 7 }),
  origin: fc.tuple(edgeUint, edgeUint),
  rightOrigin: fc.tuple(edgeUint, edgeUint),
  parentKey: fc.option(fc.constantFrom('t', 'meta', 'list', 'prosemirror', 'bystander', ''), { nil: null }),
  parentId: fc.tuple(edgeUint, edgeUint),
  parentSub: shortString,
  length: edgeUint,
  text: fc.string({ maxLength: 200, unit: 'binary' }),
  values: fc.array(json, { maxLength: 5 }),
  lieAboutCount: fc.boolean(),
  bytes: fc.uint8Array({ maxLength: 64 }),
  typeRef: fc.integer({ min: 0, max: 8 }),
})

type StructShape = typeof struct extends fc.Arbitrary<infer T> ? T : never

function writeStruct(e: encoding.Encoder, s: StructShape): void {
  const info = s.ref | (s.flags << 5)
  encoding.writeUint8(e, info)
  if (s.ref === 0 || s.ref === 10) {
    encoding.writeVarUint(e, s.length)
    return
  }
  const hasOrigin = (s.flags & 4) !== 0
  const hasRightOrigin = (s.flags & 2) !== 0
  if (hasOrigin) s.origin.forEach((n) => encoding.writeVarUint(e, n))
  if (hasRightOrigin) s.rightOrigin.forEach((n) => encoding.writeVarUint(e, n))
  if (!hasOrigin && !hasRightOrigin) {
    if (s.parentKey !== null) {
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, s.parentKey)
    } else {
      encoding.writeVarUint(e, 0)
      s.parentId.forEach((n) => encoding.writeVarUint(e, n))
    }
    if ((s.flags & 1) !== 0) encoding.writeVarString(e, s.parentSub)
  }
  const count = s.lieAboutCount ? s.length : s.values.length
  switch (s.ref) {
    case 1: // deleted
      encoding.writeVarUint(e, s.length)
      break
    case 2: // JSON
      encoding.writeVarUint(e, count)
      for (const value of s.values) encoding.writeVarString(e, JSON.stringify(value) ?? 'undefined')
      break
    case 3: // binary
      encoding.writeVarUint8Array(e, s.bytes)
      break
    case 4: // string
      encoding.writeVarString(e, s.text)
      break
    case 5: // embed
    case 6: // format
      if (s.ref === 6) encoding.writeVarString(e, s.parentSub)
      encoding.writeVarString(e, JSON.stringify(s.values[0] ?? null))
      break
    case 7: // type
      encoding.writeVarUint(e, s.typeRef)
      if (s.typeRef === 3 || s.typeRef === 5) encoding.writeVarString(e, s.parentSub)
      break
    case 8: // any
      encoding.writeVarUint(e, count)
      for (const value of s.values) encoding.writeAny(e, value)
      break
    case 9: // subdocument
      encoding.writeVarString(e, s.text)
      encoding.writeAny(e, s.values[0] ?? {})
      break
    default:
      encoding.writeUint8Array(e, s.bytes)
  }
}

/** A Yjs v1 update: struct groups per client, then a delete set, with counts that may lie. */
const yjsUpdate: fc.Arbitrary<Uint8Array> = fc
  .record({
    groups: fc.array(
      fc.record({
        client: edgeUint,
        clock: edgeUint,
        structs: fc.array(struct, { maxLength: 6 }),
        lie: fc.option(edgeUint, { nil: null }),
      }),
      { maxLength: 3 },
    ),
    deletes: fc.array(fc.record({ client: edgeUint, ranges: fc.array(fc.tuple(edgeUint, edgeUint), { maxLength: 4 }) }), { maxLength: 3 }),
    truncateAt: fc.option(fc.nat(), { nil: null }),
  })
  .map(({ groups, deletes, truncateAt }) => {
    const bytes = build((e) => {
      encoding.writeVarUint(e, groups.length)
      for (const group of groups) {
        encoding.writeVarUint(e, group.lie ?? group.structs.length)
        encoding.writeVarUint(e, group.client)
        encoding.writeVarUint(e, group.clock)
        for (const s of group.structs) writeStruct(e, s)
      }
      encoding.writeVarUint(e, deletes.length)
      for (const entry of deletes) {
        encoding.writeVarUint(e, entry.client)
        encoding.writeVarUint(e, entry.ranges.length)
        for (const [clock, length] of entry.ranges) {
          encoding.writeVarUint(e, clock)
          encoding.writeVarUint(e, length)
        }
      }
    })
    return truncateAt === null ? bytes : bytes.subarray(0, truncateAt % (bytes.length + 1))
  })

const syncFrame = (step: number, payload: Uint8Array): Uint8Array =>
  build((e) => {
    encoding.writeVarUint(e, MessageType.Sync)
    encoding.writeVarUint(e, step)
    encoding.writeVarUint8Array(e, payload)
  })

const stateVector = fc.oneof(
  fc.array(fc.tuple(edgeUint, edgeUint), { maxLength: 20 }).map((entries) =>
    build((e) => {
      encoding.writeVarUint(e, entries.length)
      for (const [client, clock] of entries) {
        encoding.writeVarUint(e, client)
        encoding.writeVarUint(e, clock)
      }
    }),
  ),
  fc.uint8Array({ maxLength: 64 }),
)

/** Awareness states built to trip `String(value)`, size limits measured in UTF-16 and prototype keys. */
const hostileState = fc.oneof(
  json.map((value) => JSON.stringify({ user: value })),
  fc.constantFrom(
    '{"user":{"name":{"toString":1},"color":{"valueOf":null,"toString":null}}}',
    '{"user":{"name":{"toString":{}},"color":{"toString":1}}}',
    '{"user":"plain"}',
    '{"user":null}',
    '{"user":[]}',
    '{"user":{"name":5,"color":["#fff"]}}',
    '{"__proto__":{"user":{"name":"polluted"}}}',
    '{"user":{"__proto__":{"name":"x"},"constructor":{"prototype":{"x":1}}}}',
    '{"user":{"name":"\\ud800\\udbff","color":"\\u0000"}}',
    'null',
    '[]',
    '"string"',
    '12',
    'not json',
    '',
    '{"user":',
  ),
  fc.integer({ min: 1, max: 6000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc
    .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('a', 'é', '☃', '𝄞'))
    .map(([n, c]) => JSON.stringify({ user: { name: c.repeat(n), color: '#fff' } })),
)

const awarenessUpdate = fc
  .record({
    entries: fc.array(fc.record({ client: edgeUint, clock: edgeUint, state: hostileState }), { maxLength: 12 }),
    lie: fc.option(edgeUint, { nil: null }),
  })
  .map(({ entries, lie }) =>
    build((e) => {
      encoding.writeVarUint(e, lie ?? entries.length)
      for (const entry of entries) {
        encoding.writeVarUint(e, entry.client)
        encoding.writeVarUint(e, entry.clock)
        encoding.writeVarString(e, entry.state)
      }
    }),
  )

/** Channel names and patterns: the private prefixes, every short prefix of them, junk and lengths. */
const channelName = fc.oneof(
  fc.constantFrom(
    '*',
    'u*',
    'us*',
    'user*',
    'user:*',
    'user:alice',
    'r*',
    'room*',
    'room:*',
    'room:victim',
    'broadcast',
    'news',
    '',
    ' ',
    '**',
    'a*b',
    '../x',
    '%00',
  ),
  fc.stringMatching(/^[A-Za-z0-9._:@#*-]{1,30}$/),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.integer({ min: 190, max: 400 }).map((n) => 'c'.repeat(n)),
)

const channelJson = fc.oneof(
  fc
    .record({
      type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe'), fc.constantFrom('publish', 'message', '', 'SUBSCRIBE'), json),
      channels: fc.oneof(fc.array(channelName, { maxLength: 10 }), fc.array(channelName, { minLength: 250, maxLength: 300 }), json),
      since: fc.oneof(fc.constant(undefined), fc.constantFrom(null, -1, 0, 1.5, 2 ** 53, '0', {}, []), fc.nat()),
    })
    .map((frame) => JSON.stringify(frame)),
  json.map((value) => JSON.stringify(value)),
  fc.constantFrom('', '{', 'null', '[]', '{"type":"subscribe"}', '{"type":"subscribe","channels":"user:*"}'),
  fc.integer({ min: 1, max: 5000 }).map((depth) => `{"type":"subscribe","channels":${'['.repeat(depth)}${']'.repeat(depth)}}`),
)

const channelFrame = fc.oneof(
  channelJson.map((text) => build((e) => (encoding.writeVarUint(e, MessageType.Channel), encoding.writeVarString(e, text)))),
  // Not UTF-8: lone continuation bytes, overlong encodings, surrogates.
  fc
    .uint8Array({ maxLength: 40 })
    .map((bytes) =>
      build(
        (e) => (
          encoding.writeVarUint(e, MessageType.Channel),
          encoding.writeVarUint8Array(e, new Uint8Array([0xc0, 0x80, 0xed, 0xa0, 0x80, 0xff, ...bytes]))
        ),
      ),
    ),
)

/** Varints that are overlong, beyond 2^53, or cut off, in the type or a length position. */
const malformedVarint = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((n) => new Uint8Array([...Array<number>(n).fill(0xff), 0x01])),
  fc.integer({ min: 1, max: 12 }).map((n) => new Uint8Array(Array<number>(n).fill(0x80))),
  fc.integer({ min: 1, max: 8 }).map((n) => new Uint8Array([...Array<number>(n).fill(0x80), 0x00])),
  fc
    .tuple(fc.constantFrom(0, 1, 2, 3, 100), fc.integer({ min: 1, max: 10 }))
    .map(([type, n]) => new Uint8Array([type, ...(type === 0 ? [2] : []), ...Array<number>(n).fill(0xff), 0x7f])),
  fc.tuple(fc.constantFrom(0, 1, 100), edgeUint).map(([type, length]) =>
    build((e) => {
      encoding.writeVarUint(e, type)
      if (type === 0) encoding.writeVarUint(e, SyncStep.Update)
      encoding.writeVarUint(e, length)
      encoding.writeUint8Array(e, new Uint8Array([1, 2, 3]))
    }),
  ),
)

/** A mutation of a real frame, applied by {@link mutate}. */
type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'hugeVarint'; at: number }
  | { op: 'splice'; at: number; other: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.nat(255)) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('hugeVarint' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), other: fc.nat() }),
)

function mutate(frame: Uint8Array, mutations: Mutation[], corpus: readonly Uint8Array[]): Uint8Array {
  let bytes = Array.from(frame)
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << m.bit)
        break
      case 'set':
        if (bytes.length > 0) bytes[at] = m.value
        break
      case 'insert':
        bytes.splice(at, 0, ...m.bytes)
        break
      case 'delete':
        bytes.splice(at, m.length)
        break
      case 'truncate':
        bytes = bytes.slice(0, at)
        break
      case 'duplicate':
        bytes.splice(at, 0, ...bytes.slice(at, at + m.length))
        break
      case 'hugeVarint':
        bytes.splice(at, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
        break
      case 'splice': {
        const other = corpus[m.other % corpus.length]!
        bytes = [...bytes.slice(0, at), ...other.subarray(other.length === 0 ? 0 : m.at % other.length)]
        break
      }
    }
  }
  return new Uint8Array(bytes)
}

/**
 * Every kind of hostile document-socket message, weighted towards the ones that reach deep code.
 * `corpus` is real traffic (see `captured-frames.ts`) to mutate.
 */
export function hostileCollabMessage(corpus: readonly Uint8Array[]): fc.Arbitrary<HostileMessage> {
  if (corpus.length === 0) throw new Error('the mutation corpus is empty')
  const kinds: Array<{ arbitrary: fc.Arbitrary<HostileMessage>; weight: number }> = [
    {
      weight: 30,
      arbitrary: fc
        .tuple(fc.nat(corpus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([index, mutations]) => ({ kind: 'mutated real frame', bytes: mutate(corpus[index]!, mutations, corpus) })),
    },
    { weight: 4, arbitrary: fc.nat(corpus.length - 1).map((index) => ({ kind: 'replayed real frame', bytes: corpus[index]! })) },
    { weight: 6, arbitrary: stateVector.map((sv) => ({ kind: 'sync step 1', bytes: syncFrame(SyncStep.Step1, sv) })) },
    {
      weight: 16,
      arbitrary: fc
        .tuple(fc.constantFrom(SyncStep.Step2, SyncStep.Update), yjsUpdate)
        .map(([step, update]) => ({ kind: step === SyncStep.Update ? 'sync update' : 'sync step 2', bytes: syncFrame(step, update) })),
    },
    {
      weight: 14,
      arbitrary: awarenessUpdate.map((update) => ({
        kind: 'awareness',
        bytes: build((e) => (encoding.writeVarUint(e, MessageType.Awareness), encoding.writeVarUint8Array(e, update))),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .uint8Array({ maxLength: 4 })
        .map((tail) => ({ kind: 'query awareness', bytes: new Uint8Array([MessageType.QueryAwareness, ...tail]) })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(edgeUint, fc.string({ maxLength: 100, unit: 'binary' })).map(([step, reason]) => ({
        kind: 'auth',
        bytes: build(
          (e) => (encoding.writeVarUint(e, MessageType.Auth), encoding.writeVarUint(e, step % 3), encoding.writeVarString(e, reason)),
        ),
      })),
    },
    { weight: 10, arbitrary: channelFrame.map((bytes) => ({ kind: 'channel frame', bytes })) },
    { weight: 5, arbitrary: malformedVarint.map((bytes) => ({ kind: 'malformed varint', bytes })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.oneof(fc.integer({ min: 4, max: 99 }), fc.integer({ min: 101, max: 2 ** 32 })), fc.uint8Array({ maxLength: 32 }))
        .map(([type, tail]) => ({
          kind: 'unknown type',
          bytes: build((e) => (encoding.writeVarUint(e, type), encoding.writeUint8Array(e, tail))),
        })),
    },
    { weight: 7, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ kind: 'random bytes', bytes })) },
  ]
  return fc.oneof(...kinds)
}

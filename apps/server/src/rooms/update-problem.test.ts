import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { insertsAtStart } from '../test-support/inserts-at-start.js'
import { inspectUpdate, MAX_ANY_DEPTH, stateVectorProblem, structsUpTo, updateProblem } from './update-problem.js'

/** A fixed seed, printed by fast-check on failure, so a red run can be replayed exactly. */
const SEED = 0x7a4d3e
const params = (numRuns: number) => ({ seed: SEED, numRuns })

const jsonValue = fc.jsonValue({ maxDepth: 3 })
const anyValue = fc.oneof(jsonValue, fc.uint8Array({ maxLength: 8 }), fc.double(), fc.integer())

/** One edit on a Y.Doc, covering every kind of content the v1 encoder writes. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(), text: fc.string({ maxLength: 12, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('format' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 5 }), value: jsonValue }),
  fc.record({
    kind: fc.constant('embed' as const),
    at: fc.nat(),
    value: fc.dictionary(fc.string({ maxLength: 3 }), jsonValue, { maxKeys: 2 }),
  }),
  fc.record({ kind: fc.constant('map' as const), key: fc.string({ maxLength: 4 }), value: anyValue }),
  fc.record({ kind: fc.constant('array' as const), values: fc.array(anyValue, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('xml' as const), name: fc.constantFrom('p', 'h1', 'li') }),
  fc.record({ kind: fc.constant('nested' as const) }),
  fc.record({ kind: fc.constant('subdoc' as const) }),
)
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never

function applyEdit(doc: Y.Doc, op: Edit): void {
  const text = doc.getText('t')
  switch (op.kind) {
    case 'text':
      text.insert(op.at % (text.length + 1), op.text)
      return
    case 'delete':
      if (text.length > 0) text.delete(op.at % text.length, Math.min(op.length, text.length - (op.at % text.length)))
      return
    case 'format':
      if (text.length > 0) text.format(op.at % text.length, op.length, { bold: op.value })
      return
    case 'embed':
      text.insertEmbed(op.at % (text.length + 1), op.value)
      return
    case 'map':
      doc.getMap('m').set(op.key, op.value)
      return
    case 'array':
      doc.getArray('a').push(op.values)
      return
    case 'xml': {
      const element = new Y.XmlElement(op.name)
      element.insert(0, [new Y.XmlText('x')])
      doc.getXmlFragment('x').push([element])
      return
    }
    case 'nested':
      doc.getMap('m').set('nested', new Y.Map([['inner', new Y.Array()]]))
      return
    case 'subdoc':
      doc.getMap('m').set('sub', new Y.Doc())
      return
  }
}

/** Updates as real clients send them: several docs editing and syncing, with gc on or off. */
const realUpdates = fc
  .record({ gc: fc.boolean(), rounds: fc.array(fc.array(edit, { maxLength: 6 }), { minLength: 1, maxLength: 6 }) })
  .map(({ gc, rounds }) => {
    const docs = [new Y.Doc({ gc }), new Y.Doc({ gc })]
    const updates: Uint8Array[] = []
    docs.forEach((doc) => doc.on('update', (update: Uint8Array) => updates.push(update)))
    rounds.forEach((ops, i) => {
      const doc = docs[i % 2]!
      for (const op of ops) applyEdit(doc, op)
      const other = docs[(i + 1) % 2]!
      Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)))
    })
    updates.push(Y.encodeStateAsUpdate(docs[0]!), Y.encodeStateAsUpdate(docs[1]!, Y.encodeStateVector(new Y.Doc())))
    return { updates, stateVectors: docs.map((doc) => Y.encodeStateVector(doc)) }
  })

/** Byte-level damage of the kinds that reach a server: flips, cuts, splices, inflated varints. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), value: fc.constantFrom(2 ** 25, 3e7, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1) }),
)

function mutate(bytes: Uint8Array, mutations: Array<typeof mutation extends fc.Arbitrary<infer T> ? T : never>): Uint8Array {
  let out = Array.from(bytes)
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length
    if (m.kind === 'set' && out.length > 0) out[at] = m.byte
    else if (m.kind === 'truncate') out = out.slice(0, at)
    else if (m.kind === 'insert') out.splice(at, 0, ...m.bytes)
    else if (m.kind === 'remove') out.splice(at, m.length)
    else if (m.kind === 'huge') out.splice(at, 0, ...varUint(m.value))
  }
  return Uint8Array.from(out)
}

function varUint(value: number): number[] {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, value)
  return Array.from(encoding.toUint8Array(encoder))
}

/** Yjs decoding as the room does it; returns the error, if any. */
function yjsDecode(bytes: Uint8Array): { error: unknown; structs: number } {
  try {
    return { error: null, structs: Y.decodeUpdate(bytes).structs.length }
  } catch (error) {
    return { error, structs: 0 }
  }
}

/**
 * What accepting an update promises: Yjs never runs out of bytes (so no declared count outran the
 * input) and decodes at most one struct per two bytes; only content-level errors (bad JSON) remain.
 */
function expectSafeToDecode(bytes: Uint8Array): void {
  const { error, structs } = yjsDecode(bytes)
  if (error) expect(error, `accepted ${Buffer.from(bytes).toString('hex')}`).toBeInstanceOf(SyntaxError)
  expect(structs).toBeLessThanOrEqual(bytes.length / 2)
}

describe('updateProblem', () => {
  it('accepts every update and state vector Yjs writes', () => {
    fc.assert(
      fc.property(realUpdates, ({ updates, stateVectors }) => {
        for (const update of updates) expect(updateProblem(update), Buffer.from(update).toString('hex')).toBeNull()
        for (const stateVector of stateVectors) expect(stateVectorProblem(stateVector)).toBeNull()
      }),
      params(300),
    )
  })

  it('refuses what would make Yjs run out of bytes, and what it accepts Yjs decodes within the input size', () => {
    fc.assert(
      fc.property(realUpdates, fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ updates }, pick, mutations) => {
        const damaged = mutate(updates[pick % updates.length]!, mutations)
        const problem = updateProblem(damaged)
        if (problem === null) expectSafeToDecode(damaged)
        else expect(typeof problem).toBe('string')
        const { error } = yjsDecode(damaged)
        if (error instanceof Error && /Unexpected end of array|Invalid array length|integer out of range/.test(error.message)) {
          expect(problem, `Yjs: ${error.message}`).not.toBeNull()
        }
      }),
      params(2000),
    )
  })

  it('never throws on random bytes and accepts only what decodes within the input size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const problem = updateProblem(bytes)
        if (problem === null) expectSafeToDecode(bytes)
        expect(() => stateVectorProblem(bytes)).not.toThrow()
      }),
      params(5000),
    )
  })

  it('refuses a few bytes that would make Yjs allocate an array of 30 million structs', () => {
    // 1 client, 30,000,000 structs, client 1, clock 0, then nothing: Y.applyUpdate allocates ~240 MB first.
    const bomb = Uint8Array.from([1, ...varUint(30_000_000), 1, 0])
    expect(updateProblem(bomb)).toMatch(/declares 30000000 structs/)
    const started = performance.now()
    for (let i = 0; i < 1000; i++) updateProblem(bomb)
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('refuses huge lengths, unknown content and type refs, deep nesting and trailing bytes', () => {
    const cases: Array<[string, number[]]> = [
      // one string item under root type "t" declaring a 2^31-byte string
      ['declares 2147483648 bytes', [1, 1, 5, 0, 4, 1, 1, 116, ...varUint(2 ** 31), 97, 0]],
      ['unknown content kind 11', [1, 1, 5, 0, 11, 1, 1, 116, 0]],
      ['unknown type ref 9', [1, 1, 5, 0, 7, 1, 1, 116, 9, 0]],
      ['zero-length struct', [1, 1, 5, 0, 0, 0, 0]],
      // Never written by Yjs, yet it splits the struct there (a long string, at a cost of its length).
      ['zero-length deleted range', [0, 1, 7, 1, 3, 0]],
      ['clock out of range', [1, 1, 5, ...varUint(2 ** 53 - 2), 0, 5, 0]],
      ['declares 4294967295 deleted ranges', [0, 1, 7, ...varUint(2 ** 32 - 1), 0, 1]],
      ['trailing bytes', [0, 0, 0]],
      ['too many bytes', [0, 1, 7, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 1]],
    ]
    for (const [problem, bytes] of cases) expect(updateProblem(Uint8Array.from(bytes)), problem).toContain(problem)

    const deep = (depth: number) => [
      1,
      1,
      5,
      0,
      8,
      1,
      1,
      116,
      1,
      ...Array(depth - 1)
        .fill([117, 1])
        .flat(),
      126,
      0,
    ]
    expect(updateProblem(Uint8Array.from(deep(MAX_ANY_DEPTH)))).toBeNull()
    expect(updateProblem(Uint8Array.from(deep(MAX_ANY_DEPTH + 1)))).toMatch(/nested deeper/)
  })

  it('checks state vectors the same way', () => {
    expect(stateVectorProblem(Uint8Array.from([0]))).toBeNull()
    expect(stateVectorProblem(Uint8Array.from([]))).toBe('truncated')
    expect(stateVectorProblem(Uint8Array.from([...varUint(1e9), 1, 1]))).toMatch(/declares 1000000000 entries/)
    expect(stateVectorProblem(Uint8Array.from([1, 1, 1, 9]))).toMatch(/trailing/)
  })
})

describe('inspectUpdate', () => {
  it('counts what Yjs will integrate: structs, deleted ranges and clients', () => {
    const doc = new Y.Doc()
    doc.clientID = 1
    const text = doc.getText('t')
    doc.transact(() => {
      for (let i = 0; i < 10; i++) text.insert(0, 'x') // ten structs that cannot merge
    })
    text.delete(1, 1)
    text.delete(5, 1) // two separate deleted ranges
    const other = new Y.Doc()
    other.clientID = 2
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    other.getText('t').insert(0, 'y')
    const update = Y.encodeStateAsUpdate(other)
    const structs = Y.decodeUpdate(update).structs.length
    expect(inspectUpdate(update)).toMatchObject({ problem: null, parts: 2 + structs + 2 })
  })
})

describe('structsUpTo', () => {
  it('counts the structs of several updates, and stops at the cap', () => {
    const updates = [insertsAtStart(300, 1), insertsAtStart(200, 2)]
    expect(structsUpTo(updates, 10_000)).toBe(500)
    expect(structsUpTo(updates, 350)).toBe(350)
    const merged = new Y.Doc()
    merged.getText('t').insert(0, 'one struct of many characters')
    expect(structsUpTo([Y.encodeStateAsUpdate(merged)], 100)).toBe(1)
  })

  it('counts an update it cannot parse as the cap', () => {
    expect(structsUpTo([new Uint8Array([1, 1, 200, 1, 0, 255, 255, 255, 255, 15])], 64)).toBe(64)
  })
})

describe('JSON content depth', () => {
  /** One ContentJSON struct in root type `t` holding `json`, with an empty delete set. */
  const jsonUpdate = (json: string): Uint8Array => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 1) // clients
    encoding.writeVarUint(encoder, 1) // structs
    encoding.writeVarUint(encoder, 5) // client
    encoding.writeVarUint(encoder, 0) // clock
    encoding.writeUint8(encoder, 2) // ContentJSON, no origins
    encoding.writeVarUint(encoder, 1) // parent is a root type...
    encoding.writeVarString(encoder, 't') // ...named t
    encoding.writeVarUint(encoder, 1) // one value
    encoding.writeVarString(encoder, json)
    encoding.writeVarUint(encoder, 0) // empty delete set
    return encoding.toUint8Array(encoder)
  }
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

  it('refuses JSON values nested deeper than MAX_ANY_DEPTH, which Yjs could never encode again', () => {
    expect(updateProblem(jsonUpdate(nested(MAX_ANY_DEPTH)))).toBeNull()
    expect(updateProblem(jsonUpdate(nested(MAX_ANY_DEPTH + 1)))).toMatch(/JSON nested deeper/)
    // Before: accepted, and once applied every encoding of the document threw (JSON.stringify overflow).
    const bomb = jsonUpdate(nested(6000))
    expect(updateProblem(bomb)).toMatch(/JSON nested deeper/)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, bomb)
    expect(() => Y.encodeStateAsUpdate(doc)).toThrow()
  })

  it('does not count brackets inside JSON strings', () => {
    const text = JSON.stringify({ note: '['.repeat(500) + '\\"{'.repeat(200) })
    expect(updateProblem(jsonUpdate(text))).toBeNull()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, jsonUpdate(text))
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeGreaterThan(500)
  })
})

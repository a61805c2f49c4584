import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { DocumentMirrors, type MirrorResult, type MirrorSource, movableBuffers } from './document-mirrors.js'

const all: DocumentMirrors[] = []
function mirrorsFor(options: ConstructorParameters<typeof DocumentMirrors>[0] = {}): DocumentMirrors {
  const mirrors = new DocumentMirrors(options)
  all.push(mirrors)
  return mirrors
}

afterEach(async () => {
  await Promise.all(all.splice(0).map((mirrors) => mirrors.close()))
})

/** `doc` with the version a room keeps for it: one more for every change. */
function sourceOf(doc: Y.Doc): MirrorSource {
  const source = { doc, version: 0 }
  doc.on('update', () => source.version++)
  return source
}

/** A document holding `text`, mirrored under `key` as a room does. */
function mirroredDoc(mirrors: DocumentMirrors, key: string, text: string): MirrorSource {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  const source = sourceOf(doc)
  expect(mirrors.track(key, [Y.encodeStateAsUpdate(doc)], source)).toBe(true)
  return source
}

function updateOf(result: MirrorResult): Uint8Array {
  if (result === null || result === 'busy') throw new Error(`no encoding: ${result}`)
  return result.update
}

function textOf(...updates: Uint8Array[]): string {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

describe('DocumentMirrors', () => {
  it('encodes the document as of every change made before the call, whole or as a diff', async () => {
    const mirrors = mirrorsFor()
    const source = mirroredDoc(mirrors, 'a', 'seeded ')
    const doc = source.doc
    const early = Y.encodeStateAsUpdate(doc)
    const earlyVector = Y.encodeStateVector(doc)
    doc.getText('t').insert(7, 'then changed')
    // The mirror catches up with the change as it is asked.
    const whole = updateOf(await mirrors.encode('a', source, null))
    expect(textOf(whole)).toBe('seeded then changed')
    const diff = updateOf(await mirrors.encode('a', source, earlyVector))
    expect(diff.byteLength).toBeLessThan(whole.byteLength)
    expect(textOf(early, diff)).toBe('seeded then changed')
    expect(mirrors.counters).toMatchObject({ seeded: 1, encoded: 2, lost: 0 })
  })

  it('catches a mirror up only when its document changed since the last encoding', async () => {
    const mirrors = mirrorsFor()
    const a = mirroredDoc(mirrors, 'a', 'same')
    await mirrors.encode('a', a, null)
    await mirrors.encode('a', a, null)
    expect(mirrors.counters.caughtUp).toBe(0)
    // A deletion moves no state vector, but it is a change: the version says so.
    a.doc.getText('t').delete(0, 2)
    expect(textOf(updateOf(await mirrors.encode('a', a, null)))).toBe('me')
    expect(mirrors.counters.caughtUp).toBe(1)
  })

  it('keeps documents apart and answers null for one it does not mirror', async () => {
    const mirrors = mirrorsFor()
    const a = mirroredDoc(mirrors, 'a', 'alpha')
    const b = mirroredDoc(mirrors, 'b', 'bravo')
    a.doc.getText('t').insert(5, '!')
    expect(textOf(updateOf(await mirrors.encode('b', b, null)))).toBe('bravo')
    expect(textOf(updateOf(await mirrors.encode('a', a, null)))).toBe('alpha!')
    expect(await mirrors.encode('c', a, null)).toBeNull()
    mirrors.forget('a')
    expect(mirrors.has('a')).toBe(false)
    expect(await mirrors.encode('a', a, null)).toBeNull()
  })

  it('drops the least recently used mirror past maxMirrors', async () => {
    const mirrors = mirrorsFor({ maxMirrors: 2 })
    const a = mirroredDoc(mirrors, 'a', 'a')
    mirroredDoc(mirrors, 'b', 'b')
    await mirrors.encode('a', a, null)
    mirroredDoc(mirrors, 'c', 'c')
    expect([mirrors.has('a'), mirrors.has('b'), mirrors.has('c')]).toEqual([true, false, true])
    expect(mirrors.size).toBe(2)
  })

  it('answers busy past maxQueued encodings, and encodes again once they are done', async () => {
    const mirrors = mirrorsFor({ maxQueued: 2 })
    const a = mirroredDoc(mirrors, 'a', 'x'.repeat(1000))
    const results = [mirrors.encode('a', a, null), mirrors.encode('a', a, null), mirrors.encode('a', a, null)]
    expect(await results[2]).toBe('busy')
    expect(textOf(updateOf(await results[0]!))).toHaveLength(1000)
    await results[1]
    expect(textOf(updateOf(await mirrors.encode('a', a, null)))).toHaveLength(1000)
  })

  it('drops a mirror whose seed Yjs cannot apply, and says so', async () => {
    const mirrors = mirrorsFor()
    const source = sourceOf(new Y.Doc())
    expect(mirrors.track('broken', [new Uint8Array([1, 1, 200, 1, 0, 255, 255, 255, 255, 15])], source)).toBe(true)
    expect(await mirrors.encode('broken', source, null)).toBeNull()
    await eventually(() => expect(mirrors.counters.lost).toBe(1))
    expect(mirrors.has('broken')).toBe(false)
  })

  it('mirrors what the document integrated, not what it holds back for missing dependencies', async () => {
    const author = new Y.Doc()
    author.getText('t').insert(0, 'first')
    const first = Y.encodeStateAsUpdate(author)
    const before = Y.encodeStateVector(author)
    author.getText('t').insert(5, ' second')
    const second = Y.encodeStateAsUpdate(author, before)
    const mirrors = mirrorsFor()
    // The room holds an update whose dependency is missing: Yjs keeps it pending.
    const room = sourceOf(new Y.Doc())
    Y.applyUpdate(room.doc, second)
    mirrors.track('gap', [second], room)
    expect(textOf(updateOf(await mirrors.encode('gap', room, null)))).toBe('')
    // Its dependency arrives: both integrate in the room, and the mirror catches up with both.
    Y.applyUpdate(room.doc, first)
    expect(textOf(updateOf(await mirrors.encode('gap', room, null)))).toBe('first second')
  })

  it('loads stored parts into a mirror and hands the document back in small chunks', async () => {
    const author = new Y.Doc()
    const updates: Uint8Array[] = []
    author.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < 300; i++) author.getText('t').insert(0, 'x')
    const mirrors = mirrorsFor()
    const result = await mirrors.load('stored', updates, 100)
    expect(result!.chunks.length).toBeGreaterThan(3)
    expect(result!.arrayValues).toBe(0)
    const loaded = new Y.Doc()
    for (const chunk of result!.chunks) Y.applyUpdate(loaded, chunk)
    expect(loaded.getText('t').toString()).toBe(author.getText('t').toString())
    // The worker keeps it as the document's mirror.
    expect(mirrors.has('stored')).toBe(true)
    const source = sourceOf(loaded)
    loaded.getText('t').insert(0, 'y')
    expect(textOf(updateOf(await mirrors.encode('stored', source, null)))).toBe(loaded.getText('t').toString())
  })

  it('moves the stored parts to the worker rather than copying them, except views into a shared buffer', async () => {
    const author = new Y.Doc()
    const updates: Uint8Array[] = []
    author.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < 50; i++) author.getText('t').insert(0, 'x')
    // One part is a view into a buffer it shares (as Node's pooled Buffers are): moving it would empty the rest.
    const shared = new Uint8Array(updates[0]!.byteLength + 8)
    shared.set(updates[0]!, 4)
    const view = shared.subarray(4, 4 + updates[0]!.byteLength)
    const parts = [view, ...updates.slice(1)]
    const result = await mirrorsFor().load('moved', parts, 10)
    expect(textOf(...result!.chunks)).toBe(author.getText('t').toString())
    expect(parts.slice(1).every((part) => part.byteLength === 0)).toBe(true)
    expect(view.byteLength).toBeGreaterThan(0)
    expect(shared.byteLength).toBe(updates[0]!.byteLength + 8)
  })

  it('copies what it is given to track: a document built from those bytes keeps views into them', async () => {
    const author = new Y.Doc()
    author.getArray('a').push([{ bin: new Uint8Array([1, 2, 3]) }])
    const update = Y.encodeStateAsUpdate(author)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, update)
    const mirrors = mirrorsFor()
    expect(mirrors.track('bin', [update], sourceOf(doc))).toBe(true)
    expect(update.byteLength).toBeGreaterThan(0)
    expect((doc.getArray('a').get(0) as { bin: Uint8Array }).bin).toEqual(new Uint8Array([1, 2, 3]))
    // Encoding here reads those views: it threw on a moved buffer.
    expect(() => Y.encodeStateAsUpdate(doc)).not.toThrow()
    expect(textOf(updateOf(await mirrors.encode('bin', sourceOf(doc), null)))).toBe('')
  })

  it('moves only the buffers a part has to itself, each once', () => {
    const own = new Uint8Array([1, 2, 3])
    const pool = new ArrayBuffer(16)
    const parts = [own, new Uint8Array(pool, 0, 4), new Uint8Array(pool, 4, 4), own, new Uint8Array(0)]
    expect(movableBuffers(parts)).toEqual([own.buffer])
    expect(movableBuffers([new Uint8Array(pool)])).toEqual([pool])
  })

  it('answers null for stored parts Yjs cannot load', async () => {
    const mirrors = mirrorsFor()
    expect(await mirrors.load('broken', [new Uint8Array([1, 1, 200, 1, 0, 255, 255, 255, 255, 15])], 100)).toBeNull()
    expect(mirrors.has('broken')).toBe(false)
  })

  it('stops its worker when the last mirror is forgotten, and starts it again when needed', async () => {
    const mirrors = mirrorsFor()
    mirroredDoc(mirrors, 'a', 'one')
    expect(mirrors.workerRunning).toBe(true)
    mirrors.forget('a')
    expect(mirrors.workerRunning).toBe(false)
    const two = mirroredDoc(mirrors, 'a', 'two')
    expect(textOf(updateOf(await mirrors.encode('a', two, null)))).toBe('two')
  })

  it('answers null for everything waiting when closed', async () => {
    const mirrors = mirrorsFor()
    const a = mirroredDoc(mirrors, 'a', 'x')
    const waiting = mirrors.encode('a', a, null)
    await mirrors.close()
    expect(await waiting).toBeNull()
    expect(mirrors.track('b', [], sourceOf(new Y.Doc()))).toBe(false)
  })
})

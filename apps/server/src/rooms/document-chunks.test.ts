import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { documentChunks } from './document-chunks.js'

/**
 * `count` authors editing a rich document concurrently (text with formats and deletes, nested XML,
 * maps, arrays), hearing each other only now and then, merged: plenty of cross-client dependencies.
 */
function richDocument(seed = 1, count = 3, rounds = 30): Y.Doc {
  const random = prng.create(seed)
  const authors = Array.from({ length: count }, (_, i) => Object.assign(new Y.Doc(), { clientID: 11 * (i + 1) }))
  const sync = (): void => {
    for (const from of authors)
      for (const to of authors)
        if (from !== to && prng.bool(random)) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
  }
  for (let round = 0; round < rounds; round++) {
    authors.forEach((author, i) => {
      const text = author.getText('t')
      text.insert(prng.uint32(random, 0, text.length), `r${round}a${i} `)
      if (text.length > 20 && prng.bool(random)) text.delete(prng.uint32(random, 0, text.length - 10), prng.uint32(random, 1, 6))
      if (prng.bool(random)) text.format(prng.uint32(random, 0, text.length - 1), 8, { bold: prng.bool(random) })
      const fragment = author.getXmlFragment('x')
      const paragraph = new Y.XmlElement('p')
      paragraph.insert(0, [new Y.XmlText(`p${round}${i}`)])
      fragment.insert(prng.uint32(random, 0, fragment.length), [paragraph])
      const first = fragment.get(0)
      if (first instanceof Y.XmlElement && first.length > 0) (first.get(0) as Y.XmlText).insert(0, `n${i}`)
      author.getMap('m').set(`k${prng.uint32(random, 0, 4)}`, { round, i })
      author.getArray('a').insert(prng.uint32(random, 0, author.getArray('a').length), [round, i])
    })
    sync()
  }
  for (let i = 0; i < 2; i++)
    for (const from of authors) for (const to of authors) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
  const merged = new Y.Doc()
  Y.applyUpdate(merged, Y.encodeStateAsUpdate(authors[0]!))
  return merged
}

describe('documentChunks', () => {
  it('cuts a document into updates that apply one by one without anything pending, to the same document', () => {
    const original = richDocument()
    const chunks = documentChunks(original, 7)
    expect(chunks.length).toBeGreaterThan(20)
    const copy = new Y.Doc()
    for (const chunk of chunks) {
      Y.applyUpdate(copy, chunk)
      expect(copy.store.pendingStructs).toBeNull()
      expect(copy.store.pendingDs).toBeNull()
    }
    expect(copy.toJSON()).toEqual(original.toJSON())
    expect(copy.getXmlFragment('x').toString()).toBe(original.getXmlFragment('x').toString())
    expect(copy.getText('t').toDelta()).toEqual(original.getText('t').toDelta())
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(original))
    expect(Y.equalDeleteSets(Y.createDeleteSetFromStructStore(copy.store), Y.createDeleteSetFromStructStore(original.store))).toBe(true)
  })

  it('does so for many concurrent histories and chunk sizes', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const original = richDocument(seed, 2 + (seed % 4), 15)
      for (const size of [1, 3, 50]) {
        const copy = new Y.Doc()
        for (const chunk of documentChunks(original, size)) {
          Y.applyUpdate(copy, chunk)
          expect(copy.store.pendingStructs, `seed ${seed}, chunks of ${size}`).toBeNull()
        }
        expect(copy.toJSON(), `seed ${seed}, chunks of ${size}`).toEqual(original.toJSON())
      }
    }
  })

  it('keeps each chunk to the struct limit', () => {
    const doc = new Y.Doc()
    const text = doc.getText('t')
    for (let i = 0; i < 1000; i++) text.insert(0, 'x')
    const chunks = documentChunks(doc, 100)
    // 1,000 structs in ten chunks, then the (empty) delete set.
    expect(chunks).toHaveLength(11)
    for (const chunk of chunks.slice(0, 10)) expect(Y.decodeUpdate(chunk).structs).toHaveLength(100)
  })

  it('passes on what the document holds pending, last', () => {
    const author = new Y.Doc()
    author.getText('t').insert(0, 'first')
    const before = Y.encodeStateVector(author)
    author.getText('t').insert(5, ' second')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(author, before))
    expect(doc.store.pendingStructs).not.toBeNull()
    const copy = new Y.Doc()
    for (const chunk of documentChunks(doc, 100)) Y.applyUpdate(copy, chunk)
    expect(copy.store.pendingStructs).not.toBeNull()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(author))
    expect(copy.getText('t').toString()).toBe('first second')
  })
})

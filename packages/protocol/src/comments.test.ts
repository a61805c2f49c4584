import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { COMMENTS_MAP, deleteComment, editComment, readThreads, replyToThread, setThreadResolved, startThread } from './comments.js'

const ANN = { id: 'ann', name: 'Ann', color: '#e11d48' }
const BOB = { id: 'bob', name: 'Bob', color: null }

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
}

/** The text a thread's anchor covers now. */
function anchored(doc: Y.Doc, text: Y.XmlText, threadId: string): string {
  const thread = readThreads(doc).find((t) => t.id === threadId)!
  const start = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(thread.start!), doc)!
  const end = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(thread.end!), doc)!
  return text.toString().slice(start.index, end.index)
}

describe('comment anchors', () => {
  it('follow the commented words through concurrent edits around them', () => {
    const ann = new Y.Doc()
    ann.getXmlFragment('prosemirror').insert(0, [new Y.XmlText('We ship on Friday at noon.')])
    const annText = ann.getXmlFragment('prosemirror').get(0) as Y.XmlText
    const bob = new Y.Doc()
    sync(ann, bob)
    const from = 'We ship on '.length
    const to = from + 'Friday'.length
    startThread(ann, {
      id: 't',
      start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(annText, from)),
      end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(annText, to)),
      quote: 'Friday',
      entry: { id: 'c', author: ANN, body: 'sure?', mentions: [], createdAt: 1 },
    })
    // Meanwhile Bob rewrites around the word: before it, and after it.
    const bobText = bob.getXmlFragment('prosemirror').get(0) as Y.XmlText
    bobText.delete('We ship '.length, 'on '.length)
    bobText.insert('We ship '.length, 'by next ')
    bobText.delete('We ship by next Friday'.length, ' at noon'.length)
    // And Ann inserts at the very start.
    annText.insert(0, 'Plan: ')
    sync(ann, bob)
    expect(annText.toString()).toBe('Plan: We ship by next Friday.')
    expect(anchored(ann, annText, 't')).toBe('Friday')
    expect(anchored(bob, bob.getXmlFragment('prosemirror').get(0) as Y.XmlText, 't')).toBe('Friday')
  })
})

describe('comment threads', () => {
  it('read back what was written: replies, edits, deletion, resolution', () => {
    const doc = new Y.Doc()
    const none = new Uint8Array([1])
    startThread(doc, {
      id: 't',
      start: none,
      end: none,
      quote: 'q',
      entry: { id: 'c1', author: ANN, body: '@Bob hi', mentions: [{ id: 'bob', name: 'Bob' }], createdAt: 5 },
    })
    replyToThread(doc, 't', { id: 'c2', author: BOB, body: 'hello', mentions: [], createdAt: 6 })
    editComment(doc, 't', 'c1', { body: '@Bob hi!', mentions: [{ id: 'bob', name: 'Bob' }], at: 7 })
    deleteComment(doc, 't', 'c2')
    setThreadResolved(doc, 't', true, BOB, 8)
    const [thread] = readThreads(doc)
    expect(thread).toMatchObject({ id: 't', quote: 'q', resolved: true, resolvedBy: BOB, resolvedAt: 8 })
    expect(thread!.entries.map((e) => [e.id, e.body, e.editedAt, e.deleted])).toEqual([
      ['c1', '@Bob hi!', 7, false],
      ['c2', '', null, true],
    ])
    // Deleting the last live comment removes the thread.
    deleteComment(doc, 't', 'c1')
    expect(readThreads(doc)).toEqual([])
  })

  it('are read totally: whatever a client put in the map, the reader returns well-formed threads or skips', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ maxLength: 4 }))
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('id', 'start', 'end', 'quote', 'createdAt', 'resolved', 'resolvedBy', 'entries', 'author', 'body', 'mentions'),
          value,
        ),
        fc.boolean(),
        (fields, withEntries) => {
          const doc = new Y.Doc()
          doc.transact(() => {
            const thread = new Y.Map<unknown>()
            for (const [key, item] of Object.entries(fields)) thread.set(key, item)
            if (withEntries) {
              const entries = new Y.Array<unknown>()
              const entry = new Y.Map<unknown>()
              for (const [key, item] of Object.entries(fields)) entry.set(key, item)
              entries.push([entry, 'junk', 7])
              thread.set('entries', entries)
            }
            doc.getMap(COMMENTS_MAP).set('x', thread)
            doc.getMap(COMMENTS_MAP).set('y', 'not a thread')
          })
          for (const thread of readThreads(doc)) {
            expect(typeof thread.id).toBe('string')
            expect(thread.entries.length).toBeGreaterThan(0)
            for (const entry of thread.entries) {
              expect(typeof entry.body).toBe('string')
              expect(typeof entry.author.name).toBe('string')
              expect(Array.isArray(entry.mentions)).toBe(true)
            }
          }
        },
      ),
    )
  })
})

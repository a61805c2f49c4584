import { editComment, readThreads, setThreadResolved, startThread } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

const SECRET = 'guard-secret-0123456789-0123456789-abcd'
const ANN = { id: 'ann', name: 'Ann', color: null }

describe('comments in secure mode belong to their authors', () => {
  it('signs new comments with the token, and puts back what others change in them', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const ann = await connectClient(server, 'doc', {
      token: await mintToken({ sub: 'ann', name: 'Ann', rooms: { '*': 'write' } }, SECRET, 300),
    })
    const eve = await connectClient(server, 'doc', {
      token: await mintToken({ sub: 'eve', name: 'Eve', rooms: { '*': 'write' } }, SECRET, 300),
    })
    const anchor = new Uint8Array([1, 2, 3])
    startThread(ann.doc, {
      id: 't',
      start: anchor,
      end: anchor,
      quote: 'plan',
      entry: { id: 'a1', author: ANN, body: 'Ann wrote this', mentions: [], createdAt: 1 },
    })
    await eventually(() => expect(readThreads(eve.doc)).toHaveLength(1))

    // Eve posts as Ann: the server signs it with Eve's token.
    startThread(eve.doc, {
      id: 'f',
      start: anchor,
      end: anchor,
      quote: 'x',
      entry: { id: 'e1', author: ANN, body: 'I am Ann', mentions: [], createdAt: 2 },
    })
    await eventually(() => {
      for (const client of [ann, eve])
        expect(readThreads(client.doc).find((t) => t.id === 'f')?.entries[0]?.author).toEqual({ id: 'eve', name: 'Eve', color: null })
    })

    // Eve rewrites Ann's comment and moves Ann's anchor: both are put back.
    editComment(eve.doc, 't', 'a1', { body: 'Ann agrees with Eve', mentions: [], at: 3 })
    ;(eve.doc.getMap('comments').get('t') as Y.Map<unknown>).set('quote', 'something else')
    await eventually(() => {
      for (const client of [ann, eve]) {
        const thread = readThreads(client.doc).find((t) => t.id === 't')!
        expect(thread.entries[0]).toMatchObject({ body: 'Ann wrote this', editedAt: null })
        expect(thread.quote).toBe('plan')
      }
    })

    // Ann edits her own comment, and Eve may resolve the thread: both stand.
    editComment(ann.doc, 't', 'a1', { body: 'Ann changed her mind', mentions: [], at: 4 })
    setThreadResolved(eve.doc, 't', true, { id: 'eve', name: 'Eve', color: null }, 5)
    await eventually(() => {
      const thread = readThreads(eve.doc).find((t) => t.id === 't')!
      expect(thread.entries[0]?.body).toBe('Ann changed her mind')
      expect(thread.resolved).toBe(true)
    })
    await server.registry.flushed()
    const stored = readThreads(server.registry.get('doc')!.doc).find((t) => t.id === 't')!
    expect(stored.entries[0]?.body).toBe('Ann changed her mind')
  })
})

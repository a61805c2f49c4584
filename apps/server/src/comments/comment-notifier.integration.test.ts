import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { editComment, replyToThread, startThread, type UserNotification } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'comments-secret-0123456789-0123456789'

const ANN = { id: 'ann', name: 'Ann', color: '#e11d48' }
const BOB = { id: 'bob', name: 'Bob', color: '#2563eb' }
const CAT = { id: 'cat', name: 'Cat', color: null }

function token(sub: string, name: string, access: 'read' | 'write' = 'write'): Promise<string> {
  return mintToken({ sub, name, rooms: { plan: access } }, SECRET, 300)
}

/** A paragraph of `text`, and the relative positions of its whole range. */
function commentedParagraph(doc: Y.Doc, text: string): { start: Uint8Array; end: Uint8Array } {
  const paragraph = new Y.XmlElement('paragraph')
  const content = new Y.XmlText(text)
  paragraph.insert(0, [content])
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [paragraph])
  return {
    start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(content, 0)),
    end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(content, text.length)),
  }
}

/** What `user` has been sent on `user:<id>`, read back from the channel's history. */
async function notificationsOf(server: TestServer, user: string, userToken: string): Promise<UserNotification[]> {
  const response = await fetch(`${server.url}/api/channels/user:${user}/messages?since=0`, {
    headers: { Authorization: `Bearer ${userToken}` },
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { messages: Array<{ data: UserNotification }> }
  return body.messages.map((message) => message.data)
}

describe('comment notifications on user:<id>', () => {
  it('tells the mentioned and the thread participants, once each, and nobody of their own comments', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const [annToken, bobToken, catToken] = await Promise.all([token('ann', 'Ann'), token('bob', 'Bob'), token('cat', 'Cat')])
    const ann = await connectClient(server, 'plan', { token: annToken })
    const bob = await connectClient(server, 'plan', { token: bobToken })
    const live = await sseStream(`${server.url}/api/events?channel=user:bob`, { Authorization: `Bearer ${bobToken}` })
    expect(live.status).toBe(200)

    const range = commentedParagraph(ann.doc, 'Ship on Friday')
    startThread(ann.doc, {
      id: 't1',
      ...range,
      quote: 'Ship on Friday',
      entry: { id: 'c1', author: ANN, body: '@Bob can you check this?', mentions: [{ id: 'bob', name: 'Bob' }], createdAt: Date.now() },
    })
    const frame = await live.waitFor((f) => f.type === 'message')
    expect(frame).toMatchObject({
      channel: 'user:bob',
      data: {
        type: 'mention',
        room: 'plan',
        threadId: 't1',
        commentId: 'c1',
        by: { id: 'ann', name: 'Ann' },
        excerpt: '@Bob can you check this?',
      },
    })

    // Bob replies: Ann, who wrote in the thread, is told; Bob is not told of his own reply.
    await eventually(() => expect(bob.doc.getMap('comments').has('t1')).toBe(true))
    replyToThread(bob.doc, 't1', { id: 'c2', author: BOB, body: 'Looks good', mentions: [], createdAt: Date.now() })
    await eventually(async () =>
      expect(await notificationsOf(server, 'ann', annToken)).toEqual([
        expect.objectContaining({ type: 'reply', commentId: 'c2', by: expect.objectContaining({ id: 'bob' }) }),
      ]),
    )

    // Ann edits her comment to add Cat: Cat is told; Bob, already mentioned, is not told again.
    await eventually(() => expect((bob.doc.getMap('comments').get('t1') as Y.Map<unknown>).get('entries')).toBeDefined())
    editComment(ann.doc, 't1', 'c1', {
      body: '@Bob can you check this? @Cat too',
      mentions: [{ id: 'bob', name: 'Bob' }, CAT],
      at: Date.now(),
    })
    await eventually(async () =>
      expect(await notificationsOf(server, 'cat', catToken)).toEqual([expect.objectContaining({ type: 'mention', commentId: 'c1' })]),
    )
    // An edit that adds nobody tells nobody.
    editComment(ann.doc, 't1', 'c1', {
      body: '@Bob can you check this? @Cat too!',
      mentions: [{ id: 'bob', name: 'Bob' }, CAT],
      at: Date.now(),
    })
    // A sentinel after it: once Dan is told, anything the edit had caused would have been published before.
    const danToken = await token('dan', 'Dan')
    replyToThread(ann.doc, 't1', { id: 'c3', author: ANN, body: '@Dan fyi', mentions: [{ id: 'dan', name: 'Dan' }], createdAt: Date.now() })
    await eventually(async () => expect(await notificationsOf(server, 'dan', danToken)).toHaveLength(1))
    // Bob wrote in the thread, so Ann's reply tells him; the edits told him nothing more.
    expect((await notificationsOf(server, 'bob', bobToken)).map((n) => n.type)).toEqual(['mention', 'reply'])
    expect(await notificationsOf(server, 'cat', catToken)).toHaveLength(1)
    expect(await notificationsOf(server, 'ann', annToken)).toHaveLength(1)
    await eventually(() => expect(live.messageIds()).toHaveLength(2))
  })

  it('sends nothing for a writer posing as someone else, nor for a read-only connection', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const [bobToken, eveToken, ritaToken] = await Promise.all([token('bob', 'Bob'), token('eve', 'Eve'), token('rita', 'Rita', 'read')])
    const eve = await connectClient(server, 'plan', { token: eveToken })
    const rita = await connectClient(server, 'plan', { token: ritaToken })
    const range = commentedParagraph(eve.doc, 'text')
    // Eve writes a comment signed as Ann.
    startThread(eve.doc, {
      id: 'forged',
      ...range,
      quote: 'text',
      entry: { id: 'f1', author: ANN, body: '@Bob urgent', mentions: [{ id: 'bob', name: 'Bob' }], createdAt: Date.now() },
    })
    await eventually(() => expect(server.registry.get('plan')?.doc.getMap('comments').has('forged')).toBe(true))
    // Rita may only read: her update is dropped, never applied.
    startThread(rita.doc, {
      id: 'ignored',
      start: range.start,
      end: range.end,
      quote: 'text',
      entry: {
        id: 'r1',
        author: { id: 'rita', name: 'Rita', color: null },
        body: '@Bob hi',
        mentions: [{ id: 'bob', name: 'Bob' }],
        createdAt: Date.now(),
      },
    })
    await server.registry.flushed()
    expect(server.registry.get('plan')?.doc.getMap('comments').has('ignored')).toBe(false)
    expect(await notificationsOf(server, 'bob', bobToken)).toEqual([])
  })

  it("keeps a user's channel to that user: others can neither subscribe nor read its history", async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const eveToken = await token('eve', 'Eve')
    const stream = await sseStream(`${server.url}/api/events?channel=user:bob`, { Authorization: `Bearer ${eveToken}` })
    expect(stream.status).toBe(403)
    const history = await fetch(`${server.url}/api/channels/user:bob/messages?since=0`, {
      headers: { Authorization: `Bearer ${eveToken}` },
    })
    expect(history.status).toBe(403)
  })
})

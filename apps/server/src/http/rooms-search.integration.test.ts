import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { CloseCode, roomListSchema } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

const SECRET = 'rooms-search-secret-0123456789-0123456789'

function write(doc: Y.Doc, blocks: [string, string][]): void {
  const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
  fragment.insert(
    fragment.length,
    blocks.map(([type, text]) => {
      const element = new Y.XmlElement(type)
      if (type === 'heading') element.setAttribute('level', 1 as unknown as string)
      element.insert(0, [new Y.XmlText(text)])
      return element
    }),
  )
}

async function list(server: TestServer, query = '', token?: string) {
  const response = await fetch(`${server.url}/api/rooms${query}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {})
  expect(response.status).toBe(200)
  return roomListSchema.parse(await response.json()).rooms
}

const call = (server: TestServer, method: string, path: string, body?: unknown, token?: string) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

describe('finding documents', () => {
  it('lists titles, finds documents by a word in their text (also once unloaded), and sorts by name', async () => {
    const server = await startTestServer({ searchIndexDelayMs: 50, roomIdleMs: 100 })
    const a = await connectClient(server, 'plan-q3')
    write(a.doc, [
      ['heading', 'Quarterly plan'],
      ['paragraph', 'We hire two engineers and cut the travel budget.'],
    ])
    const b = await connectClient(server, 'lunch')
    write(b.doc, [['paragraph', 'Soup on Monday, crème brûlée on Friday.']])
    await eventually(async () =>
      expect((await list(server)).map((room) => [room.name, room.title])).toEqual(
        expect.arrayContaining([
          ['plan-q3', 'Quarterly plan'],
          ['lunch', 'Soup on Monday, crème brûlée on Friday.'],
        ]),
      ),
    )
    await eventually(async () => expect((await list(server, '?q=engineer')).map((room) => room.name)).toEqual(['plan-q3']))
    const [hit] = await list(server, '?q=travel%20budg')
    expect(hit).toMatchObject({ name: 'plan-q3', title: 'Quarterly plan', snippet: expect.stringContaining('«travel»') })
    await eventually(async () => expect((await list(server, '?q=creme')).map((room) => room.name)).toEqual(['lunch']))
    expect(await list(server, '?q=nothing-like-this')).toEqual([])

    // Unloaded, the documents keep their titles (from the index) and stay findable.
    a.provider.destroy()
    b.provider.destroy()
    await eventually(() => expect([...server.registry.loaded()]).toEqual([]))
    expect((await list(server, '?sort=name')).map((room) => room.title)).toEqual([
      'Quarterly plan',
      'Soup on Monday, crème brûlée on Friday.',
    ])
    expect((await list(server, '?q=soup')).map((room) => room.name)).toEqual(['lunch'])
    expect((await fetch(`${server.url}/api/rooms?q=${'x'.repeat(201)}`)).status).toBe(400)
  })

  it('indexes documents stored before search existed, at start', async () => {
    const first = await startTestServer({ searchIndexDelayMs: 60_000 })
    const client = await connectClient(first, 'old-notes')
    write(client.doc, [['paragraph', 'Archived zebra facts']])
    await first.registry.flushed()
    // The index has not seen it (its delay is a minute); a new server on the same store catches up.
    expect(await list(first, '?q=zebra')).toEqual([])
    const second = await startTestServer({}, first.store)
    await eventually(async () => expect((await list(second, '?q=zebra')).map((room) => room.name)).toEqual(['old-notes']))
  })

  it('renames a document for everyone, and a writer deletes it: people in it see it deleted', async () => {
    const server = await startTestServer({ searchIndexDelayMs: 50 })
    const ann = await connectClient(server, 'minutes')
    write(ann.doc, [['heading', 'Weekly minutes']])
    await server.registry.flushed()
    const renamed = await call(server, 'PATCH', '/api/rooms/minutes', { title: '  Minutes, week 48 ' })
    expect(await renamed.json()).toEqual({ room: { name: 'minutes', title: 'Minutes, week 48' } })
    await eventually(() => expect(ann.doc.getMap('meta').get('title')).toBe('Minutes, week 48'))
    expect((await list(server))[0]).toMatchObject({ name: 'minutes', title: 'Minutes, week 48' })
    expect((await call(server, 'PATCH', '/api/rooms/nobody', { title: 'x' })).status).toBe(404)

    const closed = new Promise<number>((resolve) => ann.provider.ws?.addEventListener('close', (event) => resolve(event.code)))
    expect(await (await call(server, 'DELETE', '/api/rooms/minutes')).json()).toEqual({ deleted: 'minutes' })
    expect(await closed).toBe(CloseCode.RoomDeleted)
    expect(await list(server)).toEqual([])
    expect((await call(server, 'DELETE', '/api/rooms/minutes')).status).toBe(404)
    // A link to it now says it was deleted, rather than opening an empty document under its name.
    // While it is in the trash its name stays taken; once purged, someone may create it again.
    expect(answer(await upgradeAttempt(server.url, '/collab/minutes'))).toEqual({ close: CloseCode.RoomDeleted })
    expect((await call(server, 'POST', '/api/rooms', { name: 'minutes' })).status).toBe(409)
    await server.store.delete('minutes')
    expect(answer(await upgradeAttempt(server.url, '/collab/minutes'))).toEqual({ close: CloseCode.RoomDeleted })
    expect((await call(server, 'POST', '/api/rooms', { name: 'minutes' })).status).toBe(201)
    expect(answer(await upgradeAttempt(server.url, '/collab/minutes'))).toEqual({ status: 101 })
  })

  it('in secure mode: search shows only readable documents, renaming and deleting need write access', async () => {
    const server = await startTestServer({ authSecret: SECRET, searchIndexDelayMs: 50 })
    const writer = await mintToken({ sub: 'w', name: 'W', rooms: { '*': 'write' } }, SECRET, 300)
    const reader = await mintToken({ sub: 'r', name: 'R', rooms: { 'team-*': 'read' } }, SECRET, 300)
    for (const room of ['team-plan', 'secret-plan']) {
      const client = await connectClient(server, room, { token: writer })
      write(client.doc, [['paragraph', 'the plan']])
    }
    await eventually(async () => expect(await list(server, '?q=plan', writer)).toHaveLength(2))
    expect((await list(server, '?q=plan', reader)).map((room) => room.name)).toEqual(['team-plan'])
    expect((await call(server, 'PATCH', '/api/rooms/team-plan', { title: 'x' }, reader)).status).toBe(403)
    expect((await call(server, 'DELETE', '/api/rooms/team-plan', undefined, reader)).status).toBe(403)
    expect((await call(server, 'DELETE', '/api/rooms/team-plan')).status).toBe(401)
    expect((await call(server, 'DELETE', '/api/rooms/team-plan', undefined, writer)).status).toBe(200)
  })
})

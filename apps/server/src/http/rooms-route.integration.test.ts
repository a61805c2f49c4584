import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { toProseMirrorJson } from '../rooms/document-export.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

/** `POST /api/rooms` with `body` (JSON-encoded unless a string), answering status and error code. */
async function create(
  server: TestServer,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string; body: unknown }> {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const parsed = (await response.json()) as { error?: { code: string } }
  return { status: response.status, code: parsed.error?.code, body: parsed }
}

const listed = async (server: TestServer): Promise<string[]> =>
  ((await (await fetch(`${server.url}/api/rooms`)).json()) as { rooms: Array<{ name: string }> }).rooms.map((room) => room.name)

describe('POST /api/rooms', () => {
  it('stores a new document at once, so it stays listed after it unloads, and refuses the name a second time', async () => {
    const server = await startTestServer()
    expect(await create(server, { name: 'minutes' })).toEqual({ status: 201, code: undefined, body: { room: { name: 'minutes' } } })
    expect(await server.store.info('minutes')).not.toBeNull()
    await server.registry.unload('minutes')
    expect(server.registry.get('minutes')).toBeUndefined()
    expect(await listed(server)).toEqual(['minutes'])

    const again = await create(server, { name: 'minutes' })
    expect(again).toMatchObject({ status: 409, code: 'room_exists' })
    expect(JSON.stringify(again.body)).toContain('minutes already exists')
  })

  it('starts the document with the empty paragraph the editor shows, which every client receives', async () => {
    const server = await startTestServer()
    expect((await create(server, { name: 'fresh' })).status).toBe(201)
    const client = await connectClient(server, 'fresh')
    expect(toProseMirrorJson(client.doc)).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] })
  })

  it('refuses a name already in use by a live room with content, and creates one for a live room still empty', async () => {
    const server = await startTestServer()
    const writer = await connectClient(server, 'busy')
    writer.text.insert(0, 'someone is writing')
    await eventually(async () => expect(await server.store.info('busy')).not.toBeNull())
    expect((await create(server, { name: 'busy' })).status).toBe(409)

    // Someone opened a link to a document nobody created yet: creating it gives them its paragraph.
    const early = await connectClient(server, 'opened-first')
    expect((await create(server, { name: 'opened-first' })).status).toBe(201)
    await eventually(() => expect(toProseMirrorJson(early.doc).content).toEqual([{ type: 'paragraph' }]))
  })

  it('creates a name once when asked twice at the same moment', async () => {
    const server = await startTestServer()
    const answers = await Promise.all([create(server, { name: 'race' }), create(server, { name: 'race' })])
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409])
    const doc = new Y.Doc()
    const stored = (await server.store.load('race'))!
    for (const update of stored.updates) Y.applyUpdate(doc, update)
    expect(toProseMirrorJson(doc).content).toEqual([{ type: 'paragraph' }])
  })

  it('explains bad requests without creating anything', async () => {
    const server = await startTestServer()
    expect(await create(server, 'not json')).toMatchObject({ status: 400, code: 'bad_request' })
    expect(await create(server, { name: '../etc' })).toMatchObject({ status: 400, code: 'bad_request' })
    expect(await create(server, { name: 42 })).toMatchObject({ status: 400, code: 'bad_request' })
    expect(await create(server, { name: 'ok', extra: true })).toMatchObject({ status: 400, code: 'bad_request' })
    expect(await create(server, { name: 'x'.repeat(10_000) })).toMatchObject({ status: 400, code: 'bad_request' })
    const huge = { name: 'huge', content: { format: 'text', text: 'x'.repeat(9 * 1024 * 1024) } }
    expect(await create(server, huge)).toMatchObject({ status: 413, code: 'payload_too_large' })
    expect(await listed(server)).toEqual([])
  })

  it('counts against the per-address allowance of new rooms', async () => {
    const server = await startTestServer({ maxNewRoomsPerMinute: 2 })
    expect((await create(server, { name: 'one' })).status).toBe(201)
    expect((await create(server, { name: 'two' })).status).toBe(201)
    expect(await create(server, { name: 'three' })).toMatchObject({ status: 429, code: 'too_many_new_rooms' })
  })

  it('in secure mode needs write access to the name', async () => {
    const secret = 'rooms-route-test-secret-0123456789abcdef'
    const server = await startTestServer({ authSecret: secret })
    const bearer = async (rooms: Record<string, 'read' | 'write'>) => ({
      Authorization: `Bearer ${await mintToken({ sub: 'ada', name: 'Ada', rooms }, secret, 300)}`,
    })
    expect(await create(server, { name: 'team-a' })).toMatchObject({ status: 401 })
    expect(await create(server, { name: 'team-a' }, await bearer({ 'team-*': 'read' }))).toMatchObject({ status: 403, code: 'forbidden' })
    expect(await create(server, { name: 'other' }, await bearer({ 'team-*': 'write' }))).toMatchObject({ status: 403, code: 'forbidden' })
    expect((await create(server, { name: 'team-a' }, await bearer({ 'team-*': 'write' }))).status).toBe(201)
  })
})

describe('POST /api/rooms with content', () => {
  it('creates the document from Markdown, which a stock client then reads as the editor would', async () => {
    const server = await startTestServer()
    const markdown =
      '# Launch\n\nShip **on Monday**, see [the plan](https://example.com/plan).\n\n- one\n- two\n\n<img src=x onerror=alert(1)>\n'
    expect((await create(server, { name: 'launch', content: { format: 'markdown', text: markdown } })).status).toBe(201)
    const client = await connectClient(server, 'launch')
    expect(toProseMirrorJson(client.doc)).toMatchObject({
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ text: 'Launch' }] },
        {
          type: 'paragraph',
          content: [
            { text: 'Ship ' },
            { text: 'on Monday', marks: [{ type: 'strong' }] },
            { text: ', see ' },
            { text: 'the plan', marks: [{ type: 'link', attrs: { href: 'https://example.com/plan' } }] },
            { text: '.' },
          ],
        },
        { type: 'bullet_list', content: [{ type: 'list_item' }, { type: 'list_item' }] },
        // Raw HTML is text, never markup.
        { type: 'paragraph', content: [{ text: '<img src=x onerror=alert(1)>' }] },
      ],
    })
    const exported = await (await fetch(`${server.url}/api/rooms/launch/export?format=markdown`)).text()
    expect(exported).toContain('# Launch')
    expect(exported).toContain('**on Monday**')
  })

  it('creates it from plain text and from ProseMirror JSON, dropping unsafe links and unknown nodes but not their text', async () => {
    const server = await startTestServer()
    expect((await create(server, { name: 'lines', content: { format: 'text', text: 'one\ntwo' } })).status).toBe(201)
    expect(toProseMirrorJson((await connectClient(server, 'lines')).doc).content).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'one' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'two' }] },
    ])
    const document = {
      type: 'doc',
      content: [
        { type: 'iframe', content: [{ type: 'text', text: 'framed' }] },
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'click', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }],
        },
      ],
    }
    expect((await create(server, { name: 'from-html', content: { format: 'json', document } })).status).toBe(201)
    expect(toProseMirrorJson((await connectClient(server, 'from-html')).doc).content).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'framed' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'click' }] },
    ])
  })

  it('refuses content too deep or too large with a clear error, creating nothing', async () => {
    const server = await startTestServer()
    let deep: Record<string, unknown> = { type: 'text', text: 'x' }
    for (let i = 0; i < 200; i++) deep = { type: 'blockquote', content: [deep] }
    const tooDeep = await create(server, { name: 'deep', content: { format: 'json', document: { type: 'doc', content: [deep] } } })
    expect(tooDeep).toMatchObject({ status: 400, code: 'invalid_content' })
    // Deep enough that copying it to a worker would overflow the stack: still a 400, and nothing else breaks.
    const abyss = `{"type":"doc","content":[${'{"type":"blockquote","content":['.repeat(100_000)}${']}'.repeat(100_000)}]}`
    const tooDeepToCopy = await create(server, `{"name":"abyss","content":{"format":"json","document":${abyss}}}`)
    expect(tooDeepToCopy).toMatchObject({ status: 400, code: 'invalid_content' })
    const tooMany = await create(server, { name: 'many', content: { format: 'text', text: 'x\n'.repeat(150_000) } })
    expect(tooMany).toMatchObject({ status: 400, code: 'invalid_content' })
    expect((tooMany.body as { error: { message: string } }).error.message).toMatch(/at most 200000/)
    const tooLong = await create(server, { name: 'long', content: { format: 'markdown', text: 'x'.repeat(2_000_001) } })
    expect(tooLong).toMatchObject({ status: 400, code: 'bad_request' })
    expect(await listed(server)).toEqual([])
    expect((await create(server, { name: 'after', content: { format: 'text', text: 'still here' } })).status).toBe(201)
  })
})

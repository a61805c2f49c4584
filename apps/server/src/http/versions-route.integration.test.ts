import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { versionListSchema, versionSchema } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'versions-secret-0123456789-0123456789'

/** Append a paragraph holding `text` to the client's document. */
function addParagraph(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
  fragment.insert(fragment.length, [paragraph])
}

/** The document's paragraphs as text, one string each. */
function paragraphs(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment(DOCUMENT_FRAGMENT)
    .toArray()
    .map((block) =>
      block instanceof Y.XmlElement
        ? block
            .toArray()
            .map((child) => (child as Y.XmlText).toString())
            .join('')
        : '',
    )
}

async function call(server: TestServer, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers)
  if (init.body) headers.set('Content-Type', 'application/json')
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`)
  const response = await fetch(`${server.url}${path}`, { ...init, headers })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // Not JSON: HTML, Markdown or text.
  }
  return { status: response.status, body, type: response.headers.get('content-type') }
}

describe('versions API', () => {
  it('names, lists, reads in every format and restores while another client keeps editing', async () => {
    const server = await startTestServer({ versionIdleMs: 60_000 })
    const a = await connectClient(server, 'story')
    const b = await connectClient(server, 'story')
    addParagraph(a.doc, 'Once upon a time')
    addParagraph(a.doc, 'there was a fox.')
    await eventually(() => expect(paragraphs(b.doc)).toEqual(['Once upon a time', 'there was a fox.']))
    await server.registry.flushed()

    const named = await call(server, '/api/rooms/story/versions', { method: 'POST', body: JSON.stringify({ name: 'First draft' }) })
    expect(named.status).toBe(201)
    const first = versionSchema.parse((named.body as { version: unknown }).version)
    expect(first).toMatchObject({ name: 'First draft', auto: false })
    expect(first.bytes).toBeGreaterThan(0)

    // Asking again for an unchanged document names the same version.
    const again = await call(server, '/api/rooms/story/versions', { method: 'POST', body: JSON.stringify({ name: 'Same' }) })
    expect((again.body as { version: { id: number } }).version.id).toBe(first.id)

    // The document moves on.
    b.doc.transact(() => {
      const fox = b.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement
      ;(fox.get(0) as Y.XmlText).insert(fox.get(0).length - 1, ' and a crow')
    })
    addParagraph(b.doc, 'The end.')
    await eventually(() => expect(paragraphs(a.doc)).toEqual(['Once upon a time', 'there was a fox and a crow.', 'The end.']))

    for (const [format, type, expected] of [
      ['text', 'text/plain', 'Once upon a time\n\nthere was a fox.'],
      ['markdown', 'text/markdown', 'Once upon a time\n\nthere was a fox.'],
      ['html', 'text/html', '<p>there was a fox.</p>'],
    ] as const) {
      const read = await call(server, `/api/rooms/story/versions/${first.id}?format=${format}`)
      expect(read.status, format).toBe(200)
      expect(read.type).toContain(type)
      expect(String(read.body)).toContain(expected)
    }
    const json = await call(server, `/api/rooms/story/versions/${first.id}`)
    expect(json.body).toMatchObject({ type: 'doc', content: [{ type: 'paragraph' }, { type: 'paragraph' }] })

    // B edits without having seen the restore (offline meanwhile, or in flight): one edit in the first
    // paragraph, which the restore leaves alone, and one in the second, which it replaces.
    b.provider.disconnect()
    const [opening, middle] = b.doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray() as Y.XmlElement[]
    ;(opening!.get(0) as Y.XmlText).insert(0, '» ')
    ;(middle!.get(0) as Y.XmlText).insert(0, 'Lost: ')
    const restored = await call(server, `/api/rooms/story/versions/${first.id}/restore`, { method: 'POST' })
    expect(restored.status).toBe(200)
    const { restored: from, before } = restored.body as { restored: { id: number }; before: { id: number; name: string; auto: boolean } }
    expect(from.id).toBe(first.id)
    expect(before).toMatchObject({ auto: true })
    expect(before.name).toContain('Before restoring “Same”')
    await eventually(() => expect(paragraphs(a.doc)).toEqual(['Once upon a time', 'there was a fox.']))
    b.provider.connect()
    // The concurrent edit survives where the restore left its paragraph alone, and goes with the one it replaced.
    const expected = ['» Once upon a time', 'there was a fox.']
    await eventually(() => {
      expect(paragraphs(a.doc)).toEqual(expected)
      expect(paragraphs(b.doc)).toEqual(expected)
    })

    // The state before the restore is a version of its own, readable as it was.
    const previous = await call(server, `/api/rooms/story/versions/${before.id}?format=text`)
    expect(previous.body).toContain('there was a fox and a crow.')
    expect(previous.body).toContain('The end.')

    const list = versionListSchema.parse((await call(server, '/api/rooms/story/versions')).body)
    expect(list.versions.map((v) => v.id)).toEqual([before.id, first.id])
    expect(list.next).toBeNull()
  })

  it('pages the list, and answers 404 for unknown rooms and versions, 400 for bad input', async () => {
    const server = await startTestServer({ versionIdleMs: 60_000 })
    const client = await connectClient(server, 'paged')
    const ids: number[] = []
    for (let i = 0; i < 5; i++) {
      addParagraph(client.doc, `step ${i}`)
      await eventually(async () => expect(server.registry.get('paged')?.doc.getXmlFragment(DOCUMENT_FRAGMENT).length).toBe(i + 1))
      const made = await call(server, '/api/rooms/paged/versions', { method: 'POST', body: JSON.stringify({ name: `v${i}` }) })
      ids.push((made.body as { version: { id: number } }).version.id)
    }
    const first = versionListSchema.parse((await call(server, '/api/rooms/paged/versions?limit=2')).body)
    expect(first.versions.map((v) => v.name)).toEqual(['v4', 'v3'])
    const second = versionListSchema.parse((await call(server, `/api/rooms/paged/versions?limit=2&before=${first.next}`)).body)
    expect(second.versions.map((v) => v.name)).toEqual(['v2', 'v1'])
    const last = versionListSchema.parse((await call(server, `/api/rooms/paged/versions?limit=2&before=${second.next}`)).body)
    expect(last).toEqual({ versions: [expect.objectContaining({ name: 'v0' })], next: null })

    expect((await call(server, '/api/rooms/nowhere/versions')).status).toBe(404)
    expect((await call(server, '/api/rooms/nowhere/versions', { method: 'POST', body: JSON.stringify({ name: 'x' }) })).status).toBe(404)
    expect((await call(server, `/api/rooms/paged/versions/${ids[0]! + 100}`)).status).toBe(404)
    expect((await call(server, `/api/rooms/paged/versions/${ids[0]! + 100}/restore`, { method: 'POST' })).status).toBe(404)
    expect((await call(server, '/api/rooms/paged/versions/abc')).status).toBe(400)
    expect((await call(server, '/api/rooms/paged/versions?limit=0')).status).toBe(400)
    expect((await call(server, '/api/rooms/paged/versions', { method: 'POST', body: JSON.stringify({ name: '' }) })).status).toBe(400)
    expect(
      (await call(server, '/api/rooms/paged/versions', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(201) }) })).status,
    ).toBe(400)
    expect((await call(server, '/api/rooms/paged/versions', { method: 'POST', body: '{' })).status).toBe(400)
    // A version of another room is not this room's.
    await connectClient(server, 'other')
    expect((await call(server, `/api/rooms/other/versions/${ids[0]}`)).status).toBe(404)
  })

  it('records a version when a burst of editing ends and when the room unloads, with its authors', async () => {
    const server = await startTestServer({ versionIdleMs: 300, roomIdleMs: 100, authSecret: SECRET })
    const ann = await mintToken({ sub: 'ann', name: 'Ann', color: '#e11', rooms: { '*': 'write' } }, SECRET, 300)
    const client = await connectClient(server, 'bursts', { token: ann })
    addParagraph(client.doc, 'hello')
    const listed = async () => versionListSchema.parse((await call(server, '/api/rooms/bursts/versions', { token: ann })).body).versions
    await eventually(async () => expect(await listed()).toHaveLength(1), { timeout: 5000 })
    expect((await listed())[0]).toMatchObject({ auto: true, name: null, authors: [{ id: 'ann', name: 'Ann', color: '#e11' }] })

    addParagraph(client.doc, 'world')
    client.provider.destroy()
    // Unloading records what changed since, even before the burst's quiet time.
    await eventually(async () => expect(await listed()).toHaveLength(2), { timeout: 5000 })
    const [newest] = await listed()
    const text = await call(server, `/api/rooms/bursts/versions/${newest!.id}?format=text`, { token: ann })
    expect(text.body).toBe('hello\n\nworld\n')
  })

  it('needs read access to list and read, write access to name and restore', async () => {
    const server = await startTestServer({ versionIdleMs: 60_000, authSecret: SECRET })
    const writer = await mintToken({ sub: 'w', name: 'Writer', rooms: { guarded: 'write' } }, SECRET, 300)
    const reader = await mintToken({ sub: 'r', name: 'Reader', rooms: { guarded: 'read' } }, SECRET, 300)
    const stranger = await mintToken({ sub: 's', name: 'Stranger', rooms: { elsewhere: 'write' } }, SECRET, 300)
    const client = await connectClient(server, 'guarded', { token: writer })
    addParagraph(client.doc, 'secret plans')
    await eventually(() => expect(server.registry.get('guarded')?.hasContent).toBe(true))
    const made = await call(server, '/api/rooms/guarded/versions', { method: 'POST', body: JSON.stringify({ name: 'v' }), token: writer })
    expect(made.status).toBe(201)
    const id = (made.body as { version: { id: number } }).version.id

    expect((await call(server, '/api/rooms/guarded/versions')).status).toBe(401)
    expect((await call(server, '/api/rooms/guarded/versions', { token: stranger })).status).toBe(403)
    expect((await call(server, `/api/rooms/guarded/versions/${id}`, { token: stranger })).status).toBe(403)
    expect((await call(server, '/api/rooms/guarded/versions', { token: reader })).status).toBe(200)
    expect((await call(server, `/api/rooms/guarded/versions/${id}?format=text`, { token: reader })).body).toContain('secret plans')
    expect(
      (await call(server, '/api/rooms/guarded/versions', { method: 'POST', body: JSON.stringify({ name: 'x' }), token: reader })).status,
    ).toBe(403)
    expect((await call(server, `/api/rooms/guarded/versions/${id}/restore`, { method: 'POST', token: reader })).status).toBe(403)
    const restored = await call(server, `/api/rooms/guarded/versions/${id}/restore`, { method: 'POST', token: writer })
    expect(restored.status).toBe(200)
  })

  it('caps the named versions of a document', async () => {
    const server = await startTestServer({ versionIdleMs: 60_000, maxNamedVersions: 2 })
    const client = await connectClient(server, 'capped')
    for (const [i, expected] of [201, 201, 409].entries()) {
      addParagraph(client.doc, `edit ${i}`)
      await eventually(() => expect(server.registry.get('capped')?.doc.getXmlFragment(DOCUMENT_FRAGMENT).length).toBe(i + 1))
      const made = await call(server, '/api/rooms/capped/versions', { method: 'POST', body: JSON.stringify({ name: `v${i}` }) })
      expect(made.status).toBe(expected)
      if (expected === 409) expect(made.body).toMatchObject({ error: { code: 'too_many_versions' } })
    }
  })
})

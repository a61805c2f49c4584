import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'images-secret-0123456789-0123456789'
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82])
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

async function upload(server: TestServer, room: string, body: Uint8Array, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/rooms/${room}/images`, {
    method: 'POST',
    headers: { 'Content-Type': 'image/png', ...headers },
    body,
  })
  return { status: response.status, body: (await response.json()) as { src?: string; error?: { code: string } } }
}

describe('images', () => {
  it('stores an image for a document, serves it with its real type, and refuses what is not an image it takes', async () => {
    const server = await startTestServer()
    const client = await connectClient(server, 'album')
    client.text.insert(0, 'photos')
    await server.registry.flushed()

    const stored = await upload(server, 'album', PNG)
    expect(stored.status).toBe(201)
    expect(stored.body).toMatchObject({
      src: expect.stringMatching(/^\/api\/rooms\/album\/images\/[\w-]+$/),
      contentType: 'image/png',
      bytes: 16,
    })
    // The same bytes again: the same image.
    expect((await upload(server, 'album', PNG)).body.src).toBe(stored.body.src)
    const served = await fetch(`${server.url}${stored.body.src}`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(served.headers.get('x-content-type-options')).toBe('nosniff')
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG)

    // What it claims to be does not matter: an SVG sent as a PNG is refused, as is any other file.
    expect(await upload(server, 'album', SVG)).toMatchObject({ status: 415, body: { error: { code: 'unsupported_image' } } })
    expect((await upload(server, 'album', new TextEncoder().encode('hello'), { 'Content-Type': 'image/gif' })).status).toBe(415)
    expect((await upload(server, 'nowhere', PNG)).status).toBe(404)
    expect((await fetch(`${server.url}/api/rooms/album/images/nope`)).status).toBe(404)
  })

  it('carries the images inside an HTML export', async () => {
    const server = await startTestServer()
    const client = await connectClient(server, 'poster')
    client.text.insert(0, 'x')
    await server.registry.flushed()
    const { body } = await upload(server, 'poster', PNG)
    const paragraph = new Y.XmlElement('paragraph')
    const picture = new Y.XmlElement('image')
    picture.setAttribute('src', body.src!)
    picture.setAttribute('alt', 'the poster')
    paragraph.insert(0, [picture])
    client.doc.getXmlFragment('prosemirror').insert(0, [paragraph])
    await eventually(async () => {
      const html = await (await fetch(`${server.url}/api/rooms/poster/export?format=html`)).text()
      expect(html).toContain(`<img src="data:image/png;base64,${Buffer.from(PNG).toString('base64')}" alt="the poster">`)
    })
    const markdown = await (await fetch(`${server.url}/api/rooms/poster/export?format=markdown`)).text()
    expect(markdown).toContain(`![the poster](${body.src})`)
  })

  it('holds each image, each document and each client address within its limits', async () => {
    const server = await startTestServer({ maxImageBytes: 1024, maxDocumentImages: 2, maxUploadsPerMinute: 3 })
    const client = await connectClient(server, 'small')
    client.text.insert(0, 'x')
    await server.registry.flushed()
    const big = new Uint8Array(2048)
    big.set(PNG)
    expect(await upload(server, 'small', big)).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } })
    expect((await upload(server, 'small', PNG)).status).toBe(201)
    expect((await upload(server, 'small', new Uint8Array([...PNG, 1]))).status).toBe(201)
    expect(await upload(server, 'small', new Uint8Array([...PNG, 2]))).toMatchObject({
      status: 413,
      body: { error: { code: 'too_many_images' } },
    })
    // The fourth upload this minute from this address (one too large was never read), whatever it holds, is refused.
    expect(await upload(server, 'small', PNG)).toMatchObject({ status: 429, body: { error: { code: 'too_many_uploads' } } })
  })

  it('in secure mode: uploading needs write access, seeing needs read access', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const writer = await mintToken({ sub: 'w', name: 'W', rooms: { '*': 'write' } }, SECRET, 300)
    const reader = await mintToken({ sub: 'r', name: 'R', rooms: { gallery: 'read' } }, SECRET, 300)
    const stranger = await mintToken({ sub: 's', name: 'S', rooms: { other: 'write' } }, SECRET, 300)
    const client = await connectClient(server, 'gallery', { token: writer })
    client.text.insert(0, 'x')
    await server.registry.flushed()
    expect((await upload(server, 'gallery', PNG, { Authorization: `Bearer ${reader}` })).status).toBe(403)
    const stored = await upload(server, 'gallery', PNG, { Authorization: `Bearer ${writer}` })
    expect(stored.status).toBe(201)
    const get = (token?: string) => fetch(`${server.url}${stored.body.src}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {})
    expect((await get(reader)).status).toBe(200)
    expect((await get(stranger)).status).toBe(403)
    expect((await get()).status).toBe(401)
  })
})

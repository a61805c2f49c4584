import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const SECRET = 'export-secret-0123456789-0123456789'

/** Append a heading and a paragraph holding `text` to the client's document. */
function write(doc: Y.Doc, title: string, text: string): void {
  const heading = new Y.XmlElement('heading')
  heading.setAttribute('level', 1 as unknown as string)
  heading.insert(0, [new Y.XmlText(title)])
  const paragraph = new Y.XmlElement('paragraph')
  const body = new Y.XmlText()
  body.insert(0, text)
  body.format(0, 4, { strong: {} })
  paragraph.insert(0, [body])
  const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
  fragment.insert(fragment.length, [heading, paragraph])
}

async function download(server: TestServer, path: string, token?: string) {
  const response = await fetch(`${server.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {})
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    disposition: response.headers.get('content-disposition'),
    text: await response.text(),
  }
}

describe('GET /api/rooms/<room>/export', () => {
  it('downloads the live document in every format, and the stored one once the room is unloaded', async () => {
    const server = await startTestServer({ roomIdleMs: 0 })
    const client = await connectClient(server, 'minutes')
    write(client.doc, 'Minutes', 'Bold move: <script>alert(1)</script>')
    await eventually(async () => expect((await download(server, '/api/rooms/minutes/export')).text).toContain('Minutes'))

    const markdown = await download(server, '/api/rooms/minutes/export?format=markdown')
    expect(markdown).toMatchObject({ status: 200, disposition: 'attachment; filename="minutes.md"' })
    expect(markdown.type).toMatch(/^text\/markdown/)
    expect(markdown.text).toContain('# Minutes')
    expect(markdown.text).toContain('**Bold** move')

    const html = await download(server, '/api/rooms/minutes/export?format=html')
    expect(html.type).toMatch(/^text\/html/)
    expect(html.text).toContain('<h1>Minutes</h1>')
    expect(html.text).toContain('<strong>Bold</strong>')
    // Text is text: markup typed into the document is escaped, never injected.
    expect(html.text).not.toContain('<script>')

    expect((await download(server, '/api/rooms/minutes/export?format=text')).text).toContain('Bold move: <script>alert(1)</script>')
    const json = await download(server, '/api/rooms/minutes/export?format=json')
    expect(JSON.parse(json.text)).toMatchObject({ type: 'doc', content: [{ type: 'heading' }, { type: 'paragraph' }] })

    client.provider.destroy()
    await eventually(() => expect(server.registry.get('minutes')).toBeUndefined())
    expect((await download(server, '/api/rooms/minutes/export?format=markdown')).text).toBe(markdown.text)

    expect((await download(server, '/api/rooms/nobody-here/export')).status).toBe(404)
    expect((await download(server, '/api/rooms/minutes/export?format=docx')).status).toBe(400)
  })

  it('needs read access in secure mode', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const writer = await connectClient(server, 'plans', {
      token: await mintToken({ sub: 'w', name: 'W', rooms: { '*': 'write' } }, SECRET, 300),
    })
    write(writer.doc, 'Plans', 'Keep quiet')
    await server.registry.flushed()
    await eventually(() => expect(server.registry.get('plans')?.hasContent).toBe(true))

    expect((await download(server, '/api/rooms/plans/export')).status).toBe(401)
    const elsewhere = await mintToken({ sub: 'e', name: 'E', rooms: { 'other-*': 'write' } }, SECRET, 300)
    expect((await download(server, '/api/rooms/plans/export', elsewhere)).status).toBe(403)
    const reader = await mintToken({ sub: 'r', name: 'R', rooms: { plans: 'read' } }, SECRET, 300)
    const answer = await download(server, '/api/rooms/plans/export?format=text', reader)
    expect(answer.status).toBe(200)
    expect(answer.text).toContain('Keep quiet')
  })
})

import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

const ADMIN = 'admin-token-for-tests-0123456789'

describe('admin export of a document a hostile client wrote', () => {
  it('answers 200 in every format, live and from storage, for a heading whose level is an object', async () => {
    const server = await startTestServer({ adminToken: ADMIN, roomIdleMs: 10 })
    const client = await connectClient(server, 'hostile-export')
    const heading = new Y.XmlElement('heading')
    // `Number()` of this throws "Cannot convert object to primitive value": the export answered 500.
    heading.setAttribute('level', { toString: 1 } as unknown as string)
    heading.insert(0, [new Y.XmlText('Title')])
    const odd = new Y.XmlElement('constructor')
    odd.setAttribute('level', 1e9 as unknown as string)
    odd.insert(0, [new Y.XmlText('body')])
    client.doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [heading, odd])
    await eventually(() => expect(server.registry.get('hostile-export')?.doc.getXmlFragment(DOCUMENT_FRAGMENT).length).toBe(2))

    const exportAll = async () => {
      const bodies: Record<string, string> = {}
      for (const format of ['json', 'html', 'markdown', 'text']) {
        const response = await fetch(`${server.url}/api/admin/rooms/hostile-export/export?format=${format}`, {
          headers: { Authorization: `Bearer ${ADMIN}` },
        })
        bodies[format] = await response.text()
        expect(response.status, `${format}: ${bodies[format]}`).toBe(200)
      }
      return bodies
    }
    const live = await exportAll()
    // An unknown node gives way to its content.
    expect(live.html).toContain('<title>hostile-export</title>')
    expect(live.html).toContain('<body>\n<h1>Title</h1>\n<p>body</p>\n</body>')

    await eventually(async () => expect(await server.store.info('hostile-export')).not.toBeNull())
    client.provider.destroy()
    await eventually(() => expect(server.registry.get('hostile-export')).toBeUndefined())
    expect(await exportAll()).toEqual(live)
  })
})

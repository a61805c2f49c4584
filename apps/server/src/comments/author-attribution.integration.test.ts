import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { AUTHORS_MAP, readAuthors } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'

const SECRET = 'authors-secret-0123456789-0123456789-xx'

function write(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
  fragment.insert(fragment.length, [paragraph])
}

describe('who wrote what (the authors map)', () => {
  it('attributes each client id to the token of the connection that wrote with it, and undoes forgeries', async () => {
    const server = await startTestServer({ authSecret: SECRET })
    const ann = await connectClient(server, 'notes', {
      token: await mintToken({ sub: 'ann', name: 'Ann', color: '#e11d48', rooms: { '*': 'write' } }, SECRET, 300),
    })
    const eve = await connectClient(server, 'notes', {
      token: await mintToken({ sub: 'eve', name: 'Eve', rooms: { '*': 'write' } }, SECRET, 300),
    })
    write(ann.doc, 'by Ann')
    write(eve.doc, 'by Eve')
    await eventually(() => {
      const authors = readAuthors(ann.doc)
      expect(authors.get(ann.doc.clientID)).toEqual({ id: 'ann', name: 'Ann', color: '#e11d48' })
      expect(authors.get(eve.doc.clientID)).toEqual({ id: 'eve', name: 'Eve', color: null })
    })
    // Eve tries to put Ann's name on her words, and to add a made-up entry: both are undone.
    eve.doc.getMap(AUTHORS_MAP).set(String(eve.doc.clientID), { id: 'ann', name: 'Ann', color: '#e11d48' })
    eve.doc.getMap(AUTHORS_MAP).set('12345', { id: 'x', name: 'Nobody', color: null })
    await eventually(() => {
      for (const client of [ann, eve]) {
        const authors = readAuthors(client.doc)
        expect(authors.get(eve.doc.clientID)?.id).toBe('eve')
        expect(authors.has(12345)).toBe(false)
      }
    })
  })

  it('uses the announced name in open mode', async () => {
    const server = await startTestServer()
    const client = await connectClient(server, 'open-notes')
    client.provider.awareness.setLocalStateField('user', { name: 'Olga', color: '#059669' })
    await eventually(() =>
      expect(server.registry.get('open-notes')?.announcedName([...server.registry.get('open-notes')!.peers()][0]!)).toBe('Olga'),
    )
    write(client.doc, 'hello')
    await eventually(() => expect(readAuthors(client.doc).get(client.doc.clientID)).toEqual({ id: null, name: 'Olga', color: '#059669' }))
  })
})

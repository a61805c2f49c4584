import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { restoreDocument } from './restore-document.js'

function paragraph(text: string, bold = false): Y.XmlElement {
  const element = new Y.XmlElement('paragraph')
  const content = new Y.XmlText()
  content.insert(0, text, bold ? { strong: true } : {})
  element.insert(0, [content])
  return element
}

function texts(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment(DOCUMENT_FRAGMENT)
    .toArray()
    .map((block) => (block as Y.XmlElement).toString())
}

function docWith(...blocks: Y.XmlElement[]): Y.Doc {
  const doc = new Y.Doc()
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, blocks)
  return doc
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

describe('restoreDocument', () => {
  it('makes the live document equal to the version, marks and attributes included', () => {
    const version = docWith(paragraph('one'), paragraph('two', true))
    const heading = new Y.XmlElement('heading')
    heading.setAttribute('level', 2 as unknown as string)
    heading.insert(0, [new Y.XmlText('title')])
    version.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [heading])
    const live = copyOf(version)
    live.getXmlFragment(DOCUMENT_FRAGMENT).delete(1, 1)
    live.getXmlFragment(DOCUMENT_FRAGMENT).insert(2, [paragraph('three')])
    const change = restoreDocument(live, version, 'restore')
    expect(texts(live)).toEqual(texts(version))
    expect((live.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).getAttribute('level')).toBe(2)
    expect(change).toEqual({ removed: 1, inserted: 1 })
  })

  it('changes nothing when the document already shows the version', () => {
    const version = docWith(paragraph('same'))
    const live = copyOf(version)
    const before = Y.encodeStateVector(live)
    expect(restoreDocument(live, version, 'restore')).toEqual({ removed: 0, inserted: 0 })
    expect(Y.encodeStateVector(live)).toEqual(before)
  })

  it('is one transaction with the given origin', () => {
    const live = docWith(paragraph('a'), paragraph('b'))
    const origins: unknown[] = []
    live.on('afterTransaction', (transaction: Y.Transaction) => origins.push(transaction.origin))
    restoreDocument(live, docWith(paragraph('c')), 'the-origin')
    expect(origins).toEqual(['the-origin'])
  })

  it('keeps a concurrent edit in a block the restore leaves alone, and drops one in a replaced block', () => {
    const version = docWith(paragraph('kept'), paragraph('old middle'), paragraph('end'))
    const server = copyOf(version)
    // The document moved on after the version: the middle paragraph was rewritten.
    const middle = server.getXmlFragment(DOCUMENT_FRAGMENT)
    middle.delete(1, 1)
    middle.insert(1, [paragraph('new middle')])
    const client = copyOf(server)
    // Meanwhile a client edits the first paragraph and the rewritten middle one.
    ;((client.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(4, '!')
    ;((client.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'x')
    restoreDocument(server, version, 'restore')
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client))
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
    expect(texts(server)).toEqual(['<paragraph>kept!</paragraph>', '<paragraph>old middle</paragraph>', '<paragraph>end</paragraph>'])
    expect(texts(client)).toEqual(texts(server))
  })
})

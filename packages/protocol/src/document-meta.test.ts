import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { documentText, documentTitle, setDocumentTitle } from './document-meta.js'

function block(name: string, text: string, attrs: Record<string, unknown> = {}): Y.XmlElement {
  const element = new Y.XmlElement(name)
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value as string)
  const run = new Y.XmlText()
  run.insert(0, text)
  element.insert(0, [run])
  return element
}

function docOf(...blocks: Y.XmlElement[]): Y.Doc {
  const doc = new Y.Doc()
  doc.getXmlFragment('prosemirror').insert(0, blocks)
  return doc
}

describe('documentTitle', () => {
  it('is the title set, else the first heading, else the first text, cut at a word', () => {
    const doc = docOf(block('paragraph', ''), block('paragraph', 'Intro words'), block('heading', 'Quarterly   plan', { level: 2 }))
    expect(documentTitle(doc)).toBe('Quarterly plan')
    setDocumentTitle(doc, '  Q3 plan  ')
    expect(documentTitle(doc)).toBe('Q3 plan')
    setDocumentTitle(doc, '')
    expect(documentTitle(doc)).toBe('Quarterly plan')
    expect(documentTitle(docOf(block('paragraph', 'Just text here')))).toBe('Just text here')
    expect(documentTitle(docOf(block('paragraph', 'word '.repeat(40))))).toMatch(/^(word ){15}word…$/)
    expect(documentTitle(new Y.Doc())).toBe('')
  })

  it('reads text inside lists and tables for search, one line per block', () => {
    const list = new Y.XmlElement('bullet_list')
    const item = new Y.XmlElement('list_item')
    item.insert(0, [block('paragraph', 'buy milk')])
    list.insert(0, [item])
    const doc = docOf(block('heading', 'Plan'), list, block('paragraph', 'done'))
    expect(documentText(doc, 1000)).toBe('Plan\nbuy milk\ndone')
    expect(documentText(doc, 6)).toBe('Plan\nb')
  })

  it('reads a document nested thousands deep without running out of stack', () => {
    // Built one level at a time inside the document (a nested preliminary element would make Yjs recurse).
    const doc = docOf(block('paragraph', 'On top'), new Y.XmlElement('blockquote'))
    let inner = doc.getXmlFragment('prosemirror').get(1) as Y.XmlElement
    doc.transact(() => {
      for (let i = 0; i < 20_000; i++) {
        inner.insert(0, [new Y.XmlElement('blockquote')])
        inner = inner.get(0) as Y.XmlElement
      }
      inner.insert(0, [block('paragraph', 'deep inside')])
    })
    expect(documentTitle(doc)).toBe('On top')
    expect(documentText(doc, 1000)).toBe('On top')
  })
})

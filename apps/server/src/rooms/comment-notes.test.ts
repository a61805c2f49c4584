import { DOCUMENT_FRAGMENT } from '@tandem/document'
import { deleteComment, replyToThread, setThreadResolved, startThread } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { exportDocument } from './document-export.js'

function commentedDoc(): Y.Doc {
  const doc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText('Ship on Friday')])
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [paragraph])
  const none = new Uint8Array([0])
  const ann = { id: 'ann', name: 'Ann', color: null }
  startThread(doc, {
    id: 't1',
    start: none,
    end: none,
    quote: 'Friday',
    entry: { id: 'c1', author: ann, body: 'Is <b>Friday</b> ok?', mentions: [], createdAt: 1 },
  })
  replyToThread(doc, 't1', { id: 'c2', author: { id: 'bob', name: 'Bob', color: null }, body: 'Yes # sure', mentions: [], createdAt: 2 })
  replyToThread(doc, 't1', { id: 'c3', author: ann, body: 'oops', mentions: [], createdAt: 3 })
  deleteComment(doc, 't1', 'c3')
  setThreadResolved(doc, 't1', true, ann, 4)
  return doc
}

describe('comments in exports', () => {
  it('adds the threads as notes to text, Markdown and HTML, escaped, without deleted comments', () => {
    const doc = commentedDoc()
    expect(exportDocument(doc, 'text', 'd').body).toBe(
      'Ship on Friday\n\nComments\n\n[1] “Friday” (resolved)\n    Ann: Is <b>Friday</b> ok?\n    Bob: Yes # sure\n',
    )
    const markdown = exportDocument(doc, 'markdown', 'd').body
    expect(markdown).toContain(
      '## Comments\n\n1. > Friday\n   - **Ann**: Is \\<b\\>Friday\\</b\\> ok?\n   - **Bob**: Yes \\# sure\n   - *Resolved*',
    )
    const html = exportDocument(doc, 'html', 'd').body
    expect(html).toContain('<section class="comments">')
    expect(html).toContain('<strong>Ann</strong>: Is &lt;b&gt;Friday&lt;/b&gt; ok?')
    expect(html).not.toContain('oops')
    expect(html.indexOf('<section class="comments">')).toBeLessThan(html.indexOf('</body>'))
  })

  it('leaves documents without comments as they were', () => {
    const doc = new Y.Doc()
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('plain')])
    doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [paragraph])
    expect(exportDocument(doc, 'text', 'd').body).toBe('plain\n')
  })
})

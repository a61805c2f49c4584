import { DOCUMENT_FRAGMENT, schema } from '@tandem/document'
import { describe, expect, it } from 'vitest'
import { prosemirrorJSONToYDoc, yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import * as Y from 'yjs'

import { authorRuns } from './author-runs.js'

/** Two people's edits merged into one document. */
function merged(): { doc: Y.Doc; ann: number; bob: number } {
  const ann = prosemirrorJSONToYDoc(
    schema,
    {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Title' }] },
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'one' }, { type: 'hard_break' }, { type: 'text', text: 'two', marks: [{ type: 'strong' }] }],
        },
        {
          type: 'bullet_list',
          content: [{ type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item' }] }] }],
        },
      ],
    },
    DOCUMENT_FRAGMENT,
  )
  const bob = new Y.Doc()
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(ann))
  // Bob types into the middle of "one" and at the end of the list item.
  const paragraph = bob.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement
  ;(paragraph.get(0) as Y.XmlText).insert(1, 'BB')
  const item = ((bob.getXmlFragment(DOCUMENT_FRAGMENT).get(2) as Y.XmlElement).get(0) as Y.XmlElement).get(0) as Y.XmlElement
  ;(item.get(0) as Y.XmlText).insert(4, '!')
  Y.applyUpdate(ann, Y.encodeStateAsUpdate(bob))
  return { doc: ann, ann: ann.clientID, bob: bob.clientID }
}

describe('authorRuns', () => {
  it('finds who wrote each run, at the positions ProseMirror gives the same document', () => {
    const { doc, ann, bob } = merged()
    const node = schema.nodeFromJSON(yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(DOCUMENT_FRAGMENT)))
    const runs = authorRuns(doc.getXmlFragment(DOCUMENT_FRAGMENT))
    const described = runs.map((run) => [
      node.textBetween(run.from, run.to, '|', '⏎'),
      run.client === ann ? 'ann' : run.client === bob ? 'bob' : '?',
    ])
    expect(described).toEqual([
      ['Title', 'ann'],
      ['o', 'ann'],
      ['BB', 'bob'],
      ['ne', 'ann'],
      ['two', 'ann'],
      ['item', 'ann'],
      ['!', 'bob'],
    ])
  })

  it('skips deleted text', () => {
    const doc = new Y.Doc()
    const paragraph = new Y.XmlElement('paragraph')
    const text = new Y.XmlText('abcdef')
    paragraph.insert(0, [text])
    doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [paragraph])
    text.delete(1, 3)
    // "abcdef" less "bcd": "aef", positions 1 to 4 inside the paragraph.
    expect(authorRuns(doc.getXmlFragment(DOCUMENT_FRAGMENT))).toEqual([{ from: 1, to: 4, client: doc.clientID }])
  })
})

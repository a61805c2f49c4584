import { describe, expect, it } from 'vitest'
import { ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

import { createPersonalUndoManager, PAUSE_CUTS_STEP_MS } from './personal-undo.js'

/** What y-prosemirror writes when someone types `text` into a new paragraph at `index`. */
function typeParagraph(doc: Y.Doc, index: number, text: string): void {
  doc.transact(() => {
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText(text)])
    doc.getXmlFragment('prosemirror').insert(index, [paragraph])
  }, ySyncPluginKey)
}

const texts = (doc: Y.Doc): string[] =>
  doc
    .getXmlFragment('prosemirror')
    .toArray()
    .map((block) => (block as Y.XmlElement).toArray().map(String).join(''))

describe('createPersonalUndoManager', () => {
  it('keeps a word typed with a slow keystroke in one step, and cuts one after a long pause', () => {
    const doc = new Y.Doc()
    const undo = createPersonalUndoManager(doc.getXmlFragment('prosemirror'))
    typeParagraph(doc, 0, 'one')
    const text = (): Y.XmlText => (doc.getXmlFragment('prosemirror').get(0) as Y.XmlElement).get(0) as Y.XmlText
    const type = (chars: string): void => doc.transact(() => text().insert(text().length, chars), ySyncPluginKey)
    // Time passes as Yjs sees it (lib0 took its clock before any fake could replace it): the last
    // change moves back. A second's hesitation inside a word, well past Yjs' default of 500 ms:
    undo.lastChange -= 1000
    type('s')
    undo.lastChange -= PAUSE_CUTS_STEP_MS + 1
    type(' two')
    undo.undo()
    expect(texts(doc)).toEqual(['ones'])
    undo.undo()
    expect(texts(doc)).toEqual([''])
  })

  it('undoes the first words of a document but keeps the paragraph they created, so redo survives', () => {
    const doc = new Y.Doc()
    const undo = createPersonalUndoManager(doc.getXmlFragment('prosemirror'))
    typeParagraph(doc, 0, 'first words')
    undo.undo()
    expect(texts(doc)).toEqual([''])
    expect(undo.canUndo()).toBe(false)
    undo.redo()
    expect(texts(doc)).toEqual(['first words'])
  })

  it('still removes the paragraphs a person added after the first', () => {
    const doc = new Y.Doc()
    const undo = createPersonalUndoManager(doc.getXmlFragment('prosemirror'))
    typeParagraph(doc, 0, 'one')
    undo.stopCapturing()
    typeParagraph(doc, 1, 'two')
    undo.stopCapturing()
    typeParagraph(doc, 2, 'three')
    undo.undo()
    expect(texts(doc)).toEqual(['one', 'two'])
    undo.undo()
    undo.undo()
    expect(texts(doc)).toEqual([''])
    while (undo.canRedo()) undo.redo()
    expect(texts(doc)).toEqual(['one', 'two', 'three'])
  })

  it('leaves changes of others alone', () => {
    const doc = new Y.Doc()
    const undo = createPersonalUndoManager(doc.getXmlFragment('prosemirror'))
    doc.transact(() => doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')]), 'remote')
    expect(undo.canUndo()).toBe(false)
  })
})

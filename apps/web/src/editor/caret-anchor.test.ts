import { schema } from '@tandem/document'
import { EditorState, TextSelection } from 'prosemirror-state'
import { describe, expect, it } from 'vitest'
import { getRelativeSelection, initProseMirrorDoc } from 'y-prosemirror'
import * as Y from 'yjs'

import { anchoredSelection } from './caret-anchor.js'

/** A document holding one paragraph of `text`, its ProseMirror state, and y-prosemirror's binding fields. */
function paragraphOf(text: string) {
  const doc = new Y.Doc()
  const type = doc.getXmlFragment('prosemirror')
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  type.insert(0, [paragraph])
  const { doc: pmDoc, mapping } = initProseMirrorDoc(type, schema)
  const state = EditorState.create({ schema, doc: pmDoc })
  return { doc, type, state, binding: { doc, type, mapping, prosemirrorView: {}, beforeTransactionSelection: null } }
}

/** Someone else types `text` at `index` of the paragraph's text, and it reaches `doc`. */
function remoteInsert(doc: Y.Doc, index: number, text: string): void {
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
  const before = Y.encodeStateVector(other)
  const paragraph = other.getXmlFragment('prosemirror').get(0) as Y.XmlElement
  ;(paragraph.get(0) as Y.XmlText).insert(index, text)
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, before))
}

/** Where a relative position points in the paragraph's text now. */
function indexOf(doc: Y.Doc, position: Y.RelativePosition): number | undefined {
  return Y.createAbsolutePositionFromRelativePosition(position, doc)?.index
}

describe('anchoredSelection', () => {
  // ProseMirror positions: 0 before the paragraph, 1 at its text's start, 1 + length at its end.
  it.each([
    ['end', 'alpha', 6, 5],
    ['middle', 'alpha', 3, 2],
    ['start', 'alpha', 1, 0],
  ])('keeps a caret at the %s of a paragraph before text someone else types at the same spot', (_where, text, pos, index) => {
    const { doc, state, binding } = paragraphOf(text)
    const caret = state.apply(state.tr.setSelection(TextSelection.create(state.doc, pos)))
    const ours = anchoredSelection(binding, caret)
    const theirs = getRelativeSelection(binding as never, caret)
    remoteInsert(doc, index, 'REMOTE')
    expect(indexOf(doc, ours.head as Y.RelativePosition)).toBe(index)
    expect(indexOf(doc, ours.anchor as Y.RelativePosition)).toBe(index)
    // What y-prosemirror takes by itself: past the remote text (except at the start, where it keeps to the paragraph).
    if (index > 0) expect(indexOf(doc, theirs.head as Y.RelativePosition)).toBe(index + 'REMOTE'.length)
  })

  it('keeps a range to the text it selects: remote text at either edge stays outside it', () => {
    const { doc, state, binding } = paragraphOf('one two three')
    // "two", selected from its end back to its start.
    const range = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 8, 5)))
    const kept = anchoredSelection(binding, range)
    remoteInsert(doc, 7, '>')
    remoteInsert(doc, 4, '<')
    // "one <two> three": the range still covers exactly "two".
    expect(indexOf(doc, kept.head as Y.RelativePosition)).toBe(5)
    expect(indexOf(doc, kept.anchor as Y.RelativePosition)).toBe(8)
  })
})

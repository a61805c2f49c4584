import { schema } from '@tandem/document'
import { splitBlock, toggleMark } from 'prosemirror-commands'
import { EditorState, TextSelection, type Transaction } from 'prosemirror-state'
import { describe, expect, it } from 'vitest'
import { ySyncPluginKey } from 'y-prosemirror'

import { classifyEdit, nextUndoStep, type UndoStepState } from './undo-steps.js'

/** Runs `steps` from an empty paragraph and returns the text each undo step would hold. */
function undoSteps(steps: Array<string | ((state: EditorState) => Transaction)>): string[] {
  let state = EditorState.create({ schema })
  let grouping: UndoStepState = { last: null, cut: false }
  const groups: string[] = []
  for (const step of steps) {
    const keys = typeof step === 'string' ? [...step] : [step]
    for (const key of keys) {
      const tr = typeof key === 'string' ? state.tr.insertText(key) : key(state)
      const next = nextUndoStep(grouping, tr)
      grouping = next.state
      const label = typeof key === 'string' ? key : key === backspace ? '⌫' : '⏎'
      if (next.cutBefore || groups.length === 0) groups.push(label)
      else groups[groups.length - 1] += label
      state = state.apply(tr)
    }
  }
  return groups
}

const enter = (state: EditorState): Transaction => {
  let tr: Transaction | undefined
  splitBlock(state, (t) => (tr = t))
  return tr!
}

const backspace = (state: EditorState): Transaction => state.tr.delete(state.selection.from - 1, state.selection.from)

describe('undo steps', () => {
  it('makes each typed word a step of its own, with the spaces after it', () => {
    expect(undoSteps(['one two  three'])).toEqual(['one ', 'two  ', 'three'])
  })

  it('cuts at every block split, which stands alone', () => {
    expect(undoSteps(['alpha', enter, 'beta', enter, enter, 'gamma'])).toEqual(['alpha', '⏎', 'beta', '⏎', '⏎', 'gamma'])
  })

  it('groups a run of deletions and cuts when typing resumes', () => {
    expect(undoSteps(['hello', backspace, backspace, 'p!'])).toEqual(['hello', '⌫⌫', 'p!'])
  })

  it('keeps punctuation with its word', () => {
    expect(undoSteps(['Hi, there.'])).toEqual(['Hi, ', 'there.'])
  })

  it("lets collaborators edit without cutting this person's word", () => {
    let state = EditorState.create({ schema })
    let grouping: UndoStepState = { last: null, cut: false }
    const type = (text: string, remote = false): boolean => {
      const tr = state.tr.insertText(text)
      if (remote) tr.setMeta(ySyncPluginKey, { isChangeOrigin: true })
      const next = nextUndoStep(grouping, tr)
      grouping = next.state
      state = state.apply(tr)
      return next.cutBefore
    }
    expect([type('w'), type('x', true), type('o'), type('r')]).toEqual([false, false, false, false])
  })

  it('starts a new step after an undo or redo', () => {
    const state = EditorState.create({ schema })
    const typed = nextUndoStep({ last: null, cut: false }, state.tr.insertText('a'))
    const undo = state.tr.insertText('b').setMeta(ySyncPluginKey, { isChangeOrigin: true, isUndoRedoOperation: true })
    const afterUndo = nextUndoStep(typed.state, undo)
    expect(afterUndo.cutBefore).toBe(false)
    expect(nextUndoStep(afterUndo.state, state.tr.insertText('c')).cutBefore).toBe(true)
  })

  it('treats a paste, a formatting change and a cross-block deletion as steps of their own', () => {
    let state = EditorState.create({ schema })
    state = state.apply(state.tr.insertText('some words'))
    expect(classifyEdit(state.tr.insertText('pasted text')).kind).toBe('other')
    const selected = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 1, 5)))
    let bold: Transaction | undefined
    toggleMark(schema.marks.strong!)(selected, (t) => (bold = t))
    expect(classifyEdit(bold!).kind).toBe('other')
    const split = state.apply(enter(state))
    expect(classifyEdit(split.tr.delete(3, split.doc.content.size - 2)).kind).toBe('other')
    expect(classifyEdit(split.tr.delete(2, 3)).kind).toBe('delete')
  })
})

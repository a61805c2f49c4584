import { schema } from '@tandem/document'
import type { Node } from 'prosemirror-model'
import { type Command, EditorState, TextSelection } from 'prosemirror-state'
import { describe, expect, it } from 'vitest'

import {
  insertHorizontalRule,
  insertTable,
  leaveCodeBlockOnEmptyLine,
  removeLink,
  setLink,
  toggleBlockquote,
  toggleHeading,
  toggleList,
  toggleStrong,
  toggleTaskChecked,
  toggleTaskList,
} from './commands.js'
import { isMarkActive } from './format-state.js'

const { nodes, marks } = schema
const p = (...content: (Node | string)[]): Node =>
  nodes.paragraph!.create(
    null,
    content.map((c) => (typeof c === 'string' ? schema.text(c) : c)),
  )

/** A state with `blocks` and the cursor (or selection from `from` to `to`) at document positions. */
function stateOf(blocks: Node[], from = 1, to = from): EditorState {
  const doc = nodes.doc!.create(null, blocks)
  return EditorState.create({ doc, selection: TextSelection.create(doc, from, to) })
}

function run(state: EditorState, command: Command): EditorState {
  let next = state
  const applied = command(state, (tr) => (next = state.apply(tr)))
  expect(applied).toBe(true)
  return next
}

const shape = (state: EditorState): unknown => state.doc.toJSON()

describe('editing commands', () => {
  it('toggles a heading level on and off', () => {
    const heading = run(stateOf([p('Title')]), toggleHeading(2))
    expect(heading.doc.firstChild!.type).toBe(nodes.heading)
    expect(heading.doc.firstChild!.attrs.level).toBe(2)
    expect(run(heading, toggleHeading(1)).doc.firstChild!.attrs.level).toBe(1)
    expect(run(heading, toggleHeading(2)).doc.firstChild!.type).toBe(nodes.paragraph)
  })

  it('wraps in a list, switches the list type, and unwraps', () => {
    const bullets = run(stateOf([p('one')], 2), toggleList(nodes.bullet_list!))
    expect(bullets.doc.firstChild!.type).toBe(nodes.bullet_list)
    const numbered = run(bullets, toggleList(nodes.ordered_list!))
    expect(numbered.doc.firstChild!.type).toBe(nodes.ordered_list)
    expect(numbered.doc.textContent).toBe('one')
    expect(run(numbered, toggleList(nodes.ordered_list!)).doc.firstChild!.type).toBe(nodes.paragraph)
  })

  it('quotes and unquotes', () => {
    const quoted = run(stateOf([p('said')], 2), toggleBlockquote)
    expect(quoted.doc.firstChild!.type).toBe(nodes.blockquote)
    expect(shape(run(quoted, toggleBlockquote))).toEqual(shape(stateOf([p('said')])))
  })

  it('toggles bold on a selection and reports it active', () => {
    const bold = run(stateOf([p('make bold')], 6, 10), toggleStrong)
    expect(isMarkActive(bold, marks.strong!)).toBe(true)
    expect(bold.doc.firstChild!.child(1).marks.map((mark) => mark.type.name)).toEqual(['strong'])
    expect(isMarkActive(run(bold, toggleStrong), marks.strong!)).toBe(false)
  })

  it('links a selection only to safe addresses', () => {
    const state = stateOf([p('see docs')], 5, 9)
    expect(setLink('javascript:alert(1)')(state)).toBe(false)
    const linked = run(state, setLink('example.com/docs'))
    expect(linked.doc.firstChild!.child(1).marks[0]!.attrs.href).toBe('https://example.com/docs')
    expect(setLink('https://x.test')(stateOf([p('text')], 2))).toBe(false)
  })

  it('removes the whole link around the cursor, across differently formatted parts', () => {
    const link = marks.link!.create({ href: 'https://example.com' })
    const doc = [p('go ', schema.text('here', [link]), schema.text(' now', [link, marks.strong!.create()]), ' ok')]
    const unlinked = run(stateOf(doc, 6), removeLink)
    expect(unlinked.doc.rangeHasMark(0, unlinked.doc.content.size, marks.link!)).toBe(false)
    expect(removeLink(stateOf([p('plain')], 2))).toBe(false)
  })

  it('inserts a horizontal rule', () => {
    const ruled = run(stateOf([p('above')], 6), insertHorizontalRule)
    expect(ruled.doc.childCount).toBeGreaterThan(1)
    let rules = 0
    ruled.doc.descendants((node) => void (node.type === nodes.horizontal_rule && rules++))
    expect(rules).toBe(1)
  })

  it('puts the caret in a new paragraph after a rule inserted at the end of the document', () => {
    const ruled = run(stateOf([p('above')], 6), insertHorizontalRule)
    expect(ruled.doc.toJSON().content.map((node: { type: string }) => node.type)).toEqual(['paragraph', 'horizontal_rule', 'paragraph'])
    // Before: the rule itself stayed selected, and the next keystroke replaced it.
    expect(ruled.selection).toBeInstanceOf(TextSelection)
    expect(ruled.selection.$from.parent.type).toBe(nodes.paragraph)
    expect(ruled.selection.from).toBe(ruled.doc.content.size - 1)
    const typed = ruled.apply(ruled.tr.insertText('below'))
    expect(typed.doc.lastChild!.textContent).toBe('below')
  })

  it('puts the caret at the start of the block after a rule inserted between blocks', () => {
    const ruled = run(stateOf([p('one'), p('two')], 4), insertHorizontalRule)
    expect(ruled.doc.childCount).toBe(3)
    expect(ruled.selection.$from.parent.textContent).toBe('two')
    expect(ruled.selection.$from.parentOffset).toBe(0)
  })
})

describe('leaving a code block', () => {
  const code = (text: string): Node => nodes.code_block!.create(null, text ? schema.text(text) : null)

  it('leaves on Enter at an empty last line: the empty line goes, a paragraph follows', () => {
    // "let x\n|": the caret on the empty line the first Enter made.
    const left = run(stateOf([code('let x\n'), p('next')], 7), leaveCodeBlockOnEmptyLine)
    expect(left.doc.child(0).textContent).toBe('let x')
    expect(left.doc.child(1).type).toBe(nodes.paragraph)
    expect(left.doc.child(1).textContent).toBe('')
    expect(left.selection.$from.parent).toBe(left.doc.child(1))
    expect(left.doc.child(2).textContent).toBe('next')
  })

  it('turns a code block holding only the empty line into a paragraph', () => {
    const left = run(stateOf([code('\n')], 2), leaveCodeBlockOnEmptyLine)
    expect(shape(left)).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] })
  })

  it('stays a newline anywhere else in a code block', () => {
    expect(leaveCodeBlockOnEmptyLine(stateOf([code('let x')], 6), () => {})).toBe(false)
    expect(leaveCodeBlockOnEmptyLine(stateOf([code('let x\n')], 3), () => {})).toBe(false)
    expect(leaveCodeBlockOnEmptyLine(stateOf([p('text\n')], 6), () => {})).toBe(false)
  })
})

describe('schema', () => {
  it('parses deeper headings as level 3 and renders links without unsafe targets', () => {
    const heading = schema.nodes.heading!.spec.parseDOM!.find((rule) => rule.tag === 'h5')
    expect(heading?.attrs).toEqual({ level: 3 })
    const toDOM = schema.marks.link!.spec.toDOM!
    const unsafe = toDOM(marks.link!.create({ href: 'javascript:alert(1)' }), true) as [string, Record<string, string>]
    expect(unsafe[1].href).toBeUndefined()
    const safe = toDOM(marks.link!.create({ href: 'https://example.com' }), true) as [string, Record<string, string>]
    expect(safe[1].href).toBe('https://example.com')
  })
})

describe('checklists and tables', () => {
  it('turns paragraphs into a checklist of unticked items and back', () => {
    const listed = run(stateOf([p('buy milk')], 2), toggleTaskList)
    expect(shape(listed)).toEqual({
      type: 'doc',
      content: [
        {
          type: 'task_list',
          content: [
            {
              type: 'task_item',
              attrs: { checked: false },
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'buy milk' }] }],
            },
          ],
        },
      ],
    })
    expect(shape(run(listed, toggleTaskList))).toEqual(shape(stateOf([p('buy milk')])))
    // Ctrl+Enter ticks the item holding the caret, and unticks it again; outside a checklist it does nothing.
    const ticked = run(listed, toggleTaskChecked)
    expect(ticked.doc.firstChild?.firstChild?.attrs.checked).toBe(true)
    expect(run(ticked, toggleTaskChecked).doc.firstChild?.firstChild?.attrs.checked).toBe(false)
    expect(toggleTaskChecked(stateOf([p('plain')], 2))).toBe(false)
  })

  it('puts a table with a header row in place of an empty line, the caret in its first cell', () => {
    const state = run(stateOf([p('Before'), p()], 9), insertTable(2, 3))
    const table = state.doc.child(1)
    expect(table.type.name).toBe('table')
    expect(table.childCount).toBe(2)
    expect(table.child(0).child(0).type.name).toBe('table_header')
    expect(table.child(1).child(2).type.name).toBe('table_cell')
    // A paragraph follows, so there is a place to write after the table.
    expect(state.doc.lastChild?.type.name).toBe('paragraph')
    expect(state.selection.$from.node(-1).type.name).toBe('table_header')
    // Not inside a table: the toolbar offers rows and columns there instead.
    expect(insertTable()(state)).toBe(false)
  })

  it('puts a table after the current block when the line has text', () => {
    const state = run(stateOf([p('Keep me')], 3), insertTable())
    expect(state.doc.child(0).textContent).toBe('Keep me')
    expect(state.doc.child(1).type.name).toBe('table')
  })
})

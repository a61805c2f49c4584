import { describe, expect, it } from 'vitest'

import type { PmNode } from './pm-json.js'
import { readDocument } from './read-document.js'

const text = (value: string, marks?: PmNode['marks']): PmNode => ({ type: 'text', text: value, ...(marks ? { marks } : {}) })
const read = (...content: PmNode[]) => readDocument({ type: 'doc', content })

describe('readDocument', () => {
  it('reads what the editor wrote as it is', () => {
    const json = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [text('Title')] },
        {
          type: 'paragraph',
          content: [
            text('bold', [{ type: 'strong' }]),
            text(' '),
            text('link', [{ type: 'link', attrs: { href: 'https://x.dev', title: null } }]),
          ],
        },
        { type: 'bullet_list', content: [{ type: 'list_item', content: [{ type: 'paragraph', content: [text('item')] }] }] },
      ],
    }
    expect(readDocument(json).toJSON()).toEqual(json)
  })

  it('always makes a valid document, keeping every piece of text', () => {
    const doc = read(
      text('loose text'),
      { type: '__proto__', content: [{ type: 'paragraph', content: [text('inside an unknown node')] }] },
      { type: 'bullet_list', content: [text('text straight in a list'), { type: 'heading', content: [text('a heading as an item')] }] },
      { type: 'list_item', content: [{ type: 'paragraph', content: [text('an item outside a list')] }] },
      { type: 'horizontal_rule', content: [text('inside the rule')] },
      {
        type: 'paragraph',
        content: [{ type: 'blockquote', content: [{ type: 'paragraph', content: [text('a quote inside a paragraph')] }] }],
      },
      { type: 'code_block', content: [text('code', [{ type: 'strong' }]), { type: 'hard_break', content: [text('!')] }, text('more')] },
      { type: 'hard_break', content: [text('inside a break')] },
      { type: 'text', content: [text('inside an element named text')] },
      { type: 'blockquote' },
    )
    doc.check()
    expect(doc.textBetween(0, doc.content.size, '|')).toBe(
      'loose text|inside an unknown node|text straight in a list||a heading as an item|an item outside a list|inside the rule|a quote inside a paragraph|code\n!more|inside a breakinside an element named text|',
    )
  })

  it("reads a newline inside a paragraph's text as a line break", () => {
    const paragraph = read({ type: 'paragraph', content: [text('one\ntwo\n', [{ type: 'strong' }])] }).firstChild!
    expect(paragraph.toJSON().content).toEqual([
      { type: 'text', text: 'one', marks: [{ type: 'strong' }] },
      { type: 'hard_break' },
      { type: 'text', text: 'two', marks: [{ type: 'strong' }] },
      { type: 'hard_break' },
    ])
  })

  it('keeps only marks the schema knows, with attributes it accepts', () => {
    const doc = read({
      type: 'paragraph',
      content: [
        text('a', [{ type: 'bold' }, { type: 'italic' }, { type: 'toString' }, { type: 'constructor' }]),
        text('b', [{ type: 'link', attrs: { href: { evil: true } } }]),
        text('c', [{ type: 'link', attrs: { href: 'https://x.dev', title: 5 } }]),
      ],
    })
    doc.check()
    expect(doc.firstChild!.toJSON().content).toEqual([
      { type: 'text', text: 'a', marks: [{ type: 'strong' }, { type: 'em' }] },
      { type: 'text', text: 'b' },
      { type: 'text', text: 'c', marks: [{ type: 'link', attrs: { href: 'https://x.dev', title: null } }] },
    ])
  })

  it('reads heading levels and list starts from numbers only, within range', () => {
    const levels = [{}, '7', 1e9, -5, '3', 4.9, null].map(
      (level) => read({ type: 'heading', attrs: { level }, content: [text('t')] }).firstChild!.attrs.level,
    )
    expect(levels).toEqual([1, 6, 6, 1, 3, 4, 1])
    const order = (value: unknown) =>
      read({ type: 'ordered_list', attrs: { order: value }, content: [{ type: 'list_item', content: [{ type: 'paragraph' }] }] })
        .firstChild!.attrs.order
    expect([order(4), order('4'), order(-1), order(1.5), order({})]).toEqual([4, 1, 1, 1, 1])
  })

  it('gives an empty document its empty paragraph', () => {
    expect(read().toJSON()).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] })
  })
})

import { describe, expect, it } from 'vitest'

import { importDocument } from './import-document.js'
import type { PmNode } from './pm-json.js'
import { readDocument } from './read-document.js'
import { toHtml } from './to-html.js'
import { toMarkdown } from './to-markdown.js'
import { toText } from './to-text.js'

const MARKDOWN = [
  '- [ ] write the plan',
  '- [x] book the room',
  '',
  '| Who | What |',
  '| --- | --- |',
  '| **Ann** | budget \\| hiring |',
  '| Bob |  |',
  '',
  '```ts',
  'const answer = 42',
  '```',
  '',
].join('\n')

describe('checklists, tables and code languages', () => {
  it('read from Markdown and write back the same Markdown', () => {
    const doc = importDocument('markdown', MARKDOWN)
    expect(doc.toJSON()).toMatchObject({
      content: [
        {
          type: 'task_list',
          content: [
            { type: 'task_item', attrs: { checked: false } },
            { type: 'task_item', attrs: { checked: true } },
          ],
        },
        {
          type: 'table',
          content: [
            { content: [{ type: 'table_header' }, { type: 'table_header' }] },
            { content: [{ type: 'table_cell' }, { type: 'table_cell' }] },
            { content: [{ type: 'table_cell' }, { type: 'table_cell' }] },
          ],
        },
        { type: 'code_block', attrs: { language: 'ts' } },
      ],
    })
    expect(toMarkdown(doc)).toBe(MARKDOWN)
  })

  it('export as HTML and text that keep their shape', () => {
    const doc = importDocument('markdown', MARKDOWN)
    const html = toHtml(doc, 'x')
    expect(html).toContain('<li><input type="checkbox" disabled checked><p>book the room</p></li>')
    expect(html).toContain('<th><p>Who</p></th>')
    expect(html).toContain('<pre><code class="language-ts">')
    expect(toText(doc)).toContain('[ ] write the plan\n[x] book the room')
    expect(toText(doc)).toContain('Ann\tbudget | hiring')
  })

  it('read a ragged or broken table into a rectangular one, keeping every piece of text', () => {
    const json: PmNode = {
      type: 'doc',
      content: [
        {
          type: 'table',
          content: [
            { type: 'table_row', content: [{ type: 'table_header', content: [{ type: 'text', text: 'only header' }] }] },
            { type: 'paragraph', content: [{ type: 'text', text: 'stray' }] },
            { type: 'table_row', content: [{ type: 'table_cell' }, { type: 'table_cell', content: [{ type: 'text', text: 'b' }] }] },
          ],
        },
        { type: 'task_item', attrs: { checked: true }, content: [{ type: 'text', text: 'lost item' }] },
        { type: 'code_block', attrs: { language: { evil: true } }, content: [{ type: 'text', text: 'x' }] },
      ],
    }
    const doc = readDocument(json)
    const table = doc.child(0)
    expect(table.childCount).toBe(3)
    table.forEach((row) => expect(row.childCount).toBe(2))
    expect(table.textContent).toBe('only headerstrayb')
    expect(doc.child(1).textContent).toBe('lost item')
    expect(doc.child(2).attrs.language).toBe('')
    doc.check()
  })
})

describe('images', () => {
  it('keeps images this server holds, with their text alternative, and describes the others', () => {
    const ours = '/api/rooms/album/images/abc123'
    const doc = importDocument('markdown', `Look: ![a red kite](${ours}) and ![tracker](https://evil.example/p.gif)\n`)
    expect(doc.toJSON()).toMatchObject({
      content: [
        {
          type: 'paragraph',
          content: [{ text: 'Look: ' }, { type: 'image', attrs: { src: ours, alt: 'a red kite' } }, { text: ' and tracker' }],
        },
      ],
    })
    expect(toMarkdown(doc)).toBe(`Look: ![a red kite](${ours}) and tracker\n`)
    expect(toHtml(doc, 'x')).toContain(`<img src="${ours}" alt="a red kite">`)
    expect(toText(doc)).toBe('Look: [image: a red kite] and tracker\n')
  })
})

// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'

import { documentFromHtml, readImportFile, roomNameFromFile } from './import-file.js'

describe('roomNameFromFile', () => {
  it('makes a room name of what a file is called', () => {
    expect(roomNameFromFile('Q3 Plan (final).md')).toBe('q3-plan-final')
    expect(roomNameFromFile('Résumé.docx')).toBe('resume')
    expect(roomNameFromFile('notes.v2.txt')).toBe('notes.v2')
    expect(roomNameFromFile('---.md')).toBeNull()
    expect(roomNameFromFile('日本語.md')).toBeNull()
    expect(roomNameFromFile(`${'a'.repeat(100)}.md`)).toHaveLength(60)
  })
})

describe('documentFromHtml', () => {
  it('keeps what the schema knows, as text where it does not, and never markup that runs', () => {
    const json = documentFromHtml(
      '<h1>Title</h1><p>Some <b>bold</b> and <a href="https://example.com" onclick="steal()">a link</a>.</p>' +
        '<script>alert(1)</script><img src="x" onerror="alert(2)"><ul><li>one</li></ul><table><tr><td>cell</td></tr></table>',
    )
    expect(json).toMatchObject({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ text: 'Title' }] },
        {
          type: 'paragraph',
          content: [
            { text: 'Some ' },
            { text: 'bold', marks: [{ type: 'strong' }] },
            { text: ' and ' },
            { text: 'a link', marks: [{ type: 'link', attrs: { href: 'https://example.com', title: null } }] },
            { text: '.' },
          ],
        },
        { type: 'bullet_list' },
        {
          type: 'table',
          content: [
            { type: 'table_row', content: [{ type: 'table_cell', content: [{ type: 'paragraph', content: [{ text: 'cell' }] }] }] },
          ],
        },
      ],
    })
    const text = JSON.stringify(json)
    expect(text).not.toContain('alert')
    expect(text).not.toContain('onclick')
  })
})

describe('readImportFile', () => {
  it('sends Markdown and text as they are, HTML as a document, and refuses other files', async () => {
    const file = (name: string, body: string, type = '') => new File([body], name, { type })
    expect(await readImportFile(file('Plan.md', '# Plan'))).toEqual({ name: 'plan', content: { format: 'markdown', text: '# Plan' } })
    expect(await readImportFile(file('list.txt', 'a\nb'))).toEqual({ name: 'list', content: { format: 'text', text: 'a\nb' } })
    expect(await readImportFile(file('page.html', '<p>hi</p>'))).toEqual({
      name: 'page',
      content: { format: 'json', document: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hi' }] }] } },
    })
    await expect(readImportFile(file('photo.png', 'x', 'image/png'))).rejects.toThrow(/not a file Tandem can import/)
  })
})

import { Schema } from 'prosemirror-model'
import { schema as basic } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'
import { describe, expect, it } from 'vitest'
import { prosemirrorJSONToYDoc } from 'y-prosemirror'
import { EDITOR_FRAGMENT, exportDocument, toProseMirrorJson } from './document-export.js'

const schema = new Schema({ nodes: addListNodes(basic.spec.nodes, 'paragraph block*', 'block'), marks: basic.spec.marks })

const content = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Plan <v1>' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Ship ' },
        { type: 'text', text: 'bold', marks: [{ type: 'strong' }] },
        { type: 'text', text: ' and ' },
        { type: 'text', text: 'docs', marks: [{ type: 'link', attrs: { href: 'https://example.com', title: null } }] },
        { type: 'text', text: ' ' },
        { type: 'text', text: 'evil', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)', title: null } }] },
      ],
    },
    {
      type: 'bullet_list',
      content: [
        { type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
        { type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two', marks: [{ type: 'em' }] }] }] },
      ],
    },
    { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'quoted' }] }] },
    { type: 'code_block', content: [{ type: 'text', text: 'let x = 1' }] },
    { type: 'horizontal_rule' },
  ],
}

const doc = () => prosemirrorJSONToYDoc(schema, content, EDITOR_FRAGMENT)

describe('document export', () => {
  it('reads back the ProseMirror document the editor binding wrote', () => {
    const json = toProseMirrorJson(doc())
    expect(schema.nodeFromJSON(json).textContent).toBe(schema.nodeFromJSON(content).textContent)
    expect(json.content?.map((n) => n.type)).toEqual(['heading', 'paragraph', 'bullet_list', 'blockquote', 'code_block', 'horizontal_rule'])
  })

  it('exports escaped HTML, dropping unsafe links', () => {
    const { body, contentType } = exportDocument(doc(), 'html')
    expect(contentType).toMatch(/text\/html/)
    expect(body).toContain('<h2>Plan &lt;v1&gt;</h2>')
    expect(body).toContain('<strong>bold</strong>')
    expect(body).toContain('<a href="https://example.com">docs</a>')
    expect(body).not.toContain('javascript:')
    expect(body).toContain('<ul><li><p>one</p></li><li><p><em>two</em></p></li></ul>')
    expect(body).toContain('<pre><code>let x = 1</code></pre><hr>')
  })

  it('exports Markdown and text', () => {
    expect(exportDocument(doc(), 'markdown').body).toBe(
      '## Plan <v1>\n\nShip **bold** and [docs](https://example.com) evil\n\n- one\n- *two*\n\n> quoted\n\n```\nlet x = 1\n```\n\n---\n',
    )
    expect(exportDocument(doc(), 'text').body).toBe('Plan <v1>\nShip bold and docs evil\none\ntwo\nquoted\nlet x = 1\n')
  })
})

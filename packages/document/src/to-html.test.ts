// @vitest-environment happy-dom
import { DOMParser as ProseMirrorParser } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'

import { sampleDocument, underlined } from './sample-document.test-support.js'
import { schema } from './schema.js'
import { toHtml } from './to-html.js'

/** What the editor's own parser (a paste, or opening the file in a browser and copying) reads from `html`. */
const readBack = (html: string) => ProseMirrorParser.fromSchema(schema).parse(new DOMParser().parseFromString(html, 'text/html').body)

describe('toHtml', () => {
  it('is a standalone page: doctype, charset and the document name as title', () => {
    const html = toHtml(sampleDocument(), 'Q3 <plans> & "notes"')
    expect(html.startsWith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true)
    expect(html).toContain('<title>Q3 &lt;plans&gt; &amp; &quot;notes&quot;</title>')
    expect(html.trimEnd().endsWith('</body>\n</html>')).toBe(true)
    const page = new DOMParser().parseFromString(html, 'text/html')
    expect(page.title).toBe('Q3 <plans> & "notes"')
    expect(page.querySelector('meta[charset]')?.getAttribute('charset')).toBe('utf-8')
  })

  it('reads back as the same document, underline included', () => {
    for (const doc of [sampleDocument(), underlined()]) expect(readBack(toHtml(doc, 'x')).toJSON()).toEqual(doc.toJSON())
  })

  it('escapes text and drops link targets that would run script', () => {
    const doc = schema.nodes.doc!.create(null, [
      schema.nodes.paragraph!.create(null, [
        schema.text('<script>alert(1)</script> '),
        schema.text('click', [schema.marks.link!.create({ href: 'javascript:alert(1)', title: null })]),
      ]),
    ])
    const html = toHtml(doc, 'x')
    expect(html).toContain('<p>&lt;script&gt;alert(1)&lt;/script&gt; click</p>')
    expect(html).not.toContain('javascript:')
  })
})

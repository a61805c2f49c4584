import { DOCUMENT_FRAGMENT, markdownParser } from '@tandem/document'
import fc from 'fast-check'
import { Schema } from 'prosemirror-model'
import { schema as basic } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'
import { describe, expect, it } from 'vitest'
import { prosemirrorJSONToYDoc } from 'y-prosemirror'
import * as Y from 'yjs'

import { exportDocument as exportWithTitle, type ExportFormat, MAX_EXPORT_DEPTH, toProseMirrorJson } from './document-export.js'

const exportDocument = (doc: Y.Doc, format: ExportFormat) => exportWithTitle(doc, format, 'notes')

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

const doc = () => prosemirrorJSONToYDoc(schema, content)

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
    expect(body).toContain('<pre><code>let x = 1</code></pre>\n<hr>')
    expect(body).toMatch(/^<!doctype html>[^]*<title>notes<\/title>/)
  })

  it('exports Markdown and text', () => {
    expect(exportDocument(doc(), 'markdown').body).toBe(
      '## Plan \\<v1>\n\nShip **bold** and [docs](https://example.com) evil\n\n- one\n- *two*\n\n> quoted\n\n```\nlet x = 1\n```\n\n---\n',
    )
    expect(exportDocument(doc(), 'text').body).toBe(
      'Plan <v1>\n\nShip bold and docs (https://example.com) evil\n\n- one\n- two\n\n> quoted\n\nlet x = 1\n\n----------\n',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Hostile documents: whatever a client could write into the fragment, not what the editor writes.

const formats: ExportFormat[] = ['json', 'html', 'markdown', 'text']

/** The stored form: the server exports a document it loaded from encoded updates. */
function reloaded(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

/** Every string of every text node in document order, found by a walk of our own (an oracle, not the exporter's code). */
function textsOf(doc: Y.Doc): string[] {
  const texts: string[] = []
  const stack: unknown[] = [doc.getXmlFragment(DOCUMENT_FRAGMENT)]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node instanceof Y.XmlText) {
      const text = (node.toDelta() as Array<{ insert: unknown }>).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('')
      if (text) texts.push(text)
    } else if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) stack.push(...node.toArray().reverse())
  }
  return texts
}

/** Expect `parts` to occur in `body` one after another, in order (linear, unlike one search per part). */
function expectInOrder(body: string, parts: string[], format: string): void {
  let from = 0
  for (const part of parts) {
    const at = body.indexOf(part, from)
    if (at < 0) expect.fail(`${format} export lost ${JSON.stringify(part.slice(0, 80))} (or has it out of order)`)
    from = at + part.length
  }
}

const ALLOWED_TAGS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  'code',
  'u',
  's',
  'a',
  'pre',
  'hr',
  'br',
  'ul',
  'ol',
  'li',
  'blockquote',
])

/** The elements of an HTML export, without the page around them and the newlines between blocks. */
const htmlBody = (html: string): string =>
  html
    .slice(html.indexOf('<body>\n') + '<body>\n'.length, html.lastIndexOf('</body>'))
    .replaceAll('>\n<', '><')
    .trimEnd()

/**
 * The text as Markdown must keep it: every character but whitespace (Markdown reflows spaces and line
 * breaks) and mark delimiters. Those go on both sides: underline is written as `<u>` HTML, which the
 * parser (HTML off) reads as text, and CommonMark's flanking rules leave `**` or `~~` literal around
 * marked text that starts or ends with punctuation next to a letter (`a**(b)**`), a limit of
 * prosemirror-markdown's serializer: the text survives, the mark does not.
 */
const squash = (text: string): string => text.replace(/\s+|<\/?u>|[*~_`]/g, '')

/** Export `doc` in every format, checking what must hold for any document at all. */
function exportsSafely(doc: Y.Doc): Record<ExportFormat, string> {
  const bodies = Object.fromEntries(formats.map((format) => [format, exportDocument(doc, format).body])) as Record<ExportFormat, string>
  expect((JSON.parse(bodies.json) as { type: string }).type).toBe('doc')
  expect(bodies.html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n/)
  const html = bodies.html.slice(bodies.html.indexOf('<body>\n') + '<body>\n'.length, bodies.html.lastIndexOf('</body>'))
  for (const [tagText, closing, tag, rest] of html.matchAll(/<(\/?)([^\s>/]*)([^>]*)>/g)) {
    expect(ALLOWED_TAGS, tagText).toContain(tag)
    if (closing) expect(rest, tagText).toBe('')
    else if (tag === 'a') expect(rest).toMatch(/^ href="(https?:|mailto:|tel:)[^"<>]*"( title="[^"<>]*")?$/i)
    else if (tag === 'ol') expect(rest).toMatch(/^( start="\d+")?$/)
    else expect(rest, tagText).toBe('')
  }
  const texts = textsOf(doc)
  // Lists and quotes prefix continuation lines, so each line is found on its own.
  expectInOrder(
    bodies.text,
    texts.flatMap((text) => text.split('\n')),
    'text',
  )
  // A newline in a paragraph's text is a line break there (`<br>`), so each line is found on its own.
  const escaped = (text: string): string =>
    text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
  expectInOrder(html, texts.flatMap((text) => text.split('\n')).map(escaped), 'HTML')
  // Markdown is checked by reading it back: escaping must keep every character of the text.
  const readBack = markdownParser.parse(bodies.markdown)
  expectInOrder(
    squash(readBack.textBetween(0, readBack.content.size, '\n', '\n')),
    texts.map(squash).filter((text) => text !== ''),
    'Markdown',
  )
  return bodies
}

/** Values a hostile client can store as an attribute or a mark (an object with a non-callable `toString` made the export throw). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom<unknown>(
    {},
    { toString: 1 },
    { valueOf: {}, toString: [] },
    JSON.parse('{"__proto__":{"toString":1,"level":{"toString":1}}}'),
    '7',
    '-3',
    '2.5',
    '1e9',
    1e9,
    -1,
    0,
    2.5,
    Number.MAX_SAFE_INTEGER,
    '',
    true,
    null,
    [1, 2, 3],
    'javascript:alert(1)',
    ' JaVaScRiPt:alert(1)',
    'https://example.com/a (b) <c>\n[d]',
    '"><script>alert(1)</script>',
  ),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.uint8Array({ maxLength: 8 }),
  fc.constant('<shared type>'),
)

const hostileKey = fc.oneof(
  fc.constantFrom('level', 'href', 'order', 'title', '__proto__', 'toString', 'constructor', 'valueOf', 'hasOwnProperty'),
  fc.string({ maxLength: 6 }),
)
const hostileName = fc.oneof(
  fc.constantFrom(
    'paragraph',
    'heading',
    'bullet_list',
    'ordered_list',
    'list_item',
    'blockquote',
    'code_block',
    'horizontal_rule',
    'hard_break',
    'text',
    'doc',
    'image',
  ),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'script', 'a href="javascript:x"', ''),
  fc.string({ maxLength: 12 }),
)
const markName = fc.oneof(
  fc.constantFrom('strong', 'em', 'code', 'link', 'bold', 'italic', 'underline', 'strike', '__proto__', 'toString', 'constructor'),
  fc.string({ maxLength: 6 }),
)
const hostileText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', '"', "'", '\n', '*', '`', '#', '>', ' ', 'a', '\u2028', '\ud83d', '\ude00'),
    maxLength: 30,
  }),
)

type NodeModel =
  | { kind: 'element'; name: string; attrs: Array<[string, unknown]>; children: NodeModel[] }
  | { kind: 'text'; text: string; marks: Array<[string, unknown]> }
  | { kind: 'raw'; value: unknown }

const { node: nodeModel } = fc.letrec<{ node: NodeModel }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('text' as const),
      text: hostileText,
      marks: fc.array(fc.tuple(markName, hostileValue), { maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('element' as const),
      name: hostileName,
      attrs: fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 3 }),
      children: fc.array(tie('node'), { maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant('raw' as const),
      value: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant({ toString: 1 })),
    }),
  ),
}))

/** A Yjs value for `value`, making shared types fresh each time (one can only be integrated once). */
const yValue = (value: unknown): unknown => (value === '<shared type>' ? new Y.XmlText('shared') : value)

function build(model: NodeModel): unknown {
  switch (model.kind) {
    case 'raw':
      return model.value
    case 'text': {
      const text = new Y.XmlText()
      // A mark whose value is null means "no mark" to Yjs; JSON values only, as the wire carries them.
      const marks = Object.fromEntries(
        model.marks.filter(([, v]) => v !== null && typeof v !== 'bigint' && !(v instanceof Uint8Array) && v !== '<shared type>'),
      )
      text.insert(0, model.text, marks)
      return text
    }
    case 'element': {
      const element = new Y.XmlElement(model.name)
      for (const [key, value] of model.attrs) element.setAttribute(key, yValue(value) as string)
      element.insert(0, model.children.map(build) as Y.XmlElement[])
      return element
    }
  }
}

function hostileDoc(models: NodeModel[]): Y.Doc {
  const doc = new Y.Doc()
  doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, models.map(build) as Y.XmlElement[])
  return reloaded(doc)
}

/** `depth` elements inside each other, built one transaction per level (prelim nesting would recurse). */
function deepDoc(depth: number, name: (level: number) => string, textEvery: number): Y.Doc {
  const doc = new Y.Doc()
  doc.transact(() => {
    let parent: Y.XmlFragment | Y.XmlElement = doc.getXmlFragment(DOCUMENT_FRAGMENT)
    for (let level = 1; level <= depth; level++) {
      const element = new Y.XmlElement(name(level))
      if (level % textEvery === 0 || level === depth) element.insert(0, [new Y.XmlText(`level ${level}`)])
      parent.insert(parent.length, [element])
      parent = element
    }
  })
  return reloaded(doc)
}

function jsonDepth(value: unknown): number {
  return typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(jsonDepth)) : 0
}

describe('document export of hostile documents', () => {
  const seed = Number(process.env.FC_SEED ?? 20_240_808)

  it(`is total over generated fragments: any names, attributes, marks and raw values (fast-check seed ${seed})`, () => {
    fc.assert(
      fc.property(fc.array(nodeModel, { maxLength: 5 }), (models) => {
        exportsSafely(hostileDoc(models))
      }),
      { seed, numRuns: 400 },
    )
  })

  it('reads a heading level from numbers and numeric strings only, clamped to 1..6', () => {
    const levels: Array<[unknown, number]> = [
      [{}, 1],
      [{ toString: 1 }, 1],
      ['7', 6],
      [1e9, 6],
      [-5, 1],
      ['3', 3],
      [4.9, 4],
      [[2], 1],
      [null, 1],
    ]
    for (const [level, expected] of levels) {
      const doc = new Y.Doc()
      const heading = new Y.XmlElement('heading')
      heading.setAttribute('level', level as string)
      heading.insert(0, [new Y.XmlText('Title')])
      doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [heading])
      const bodies = exportsSafely(reloaded(doc))
      expect(htmlBody(bodies.html), JSON.stringify(level)).toBe(`<h${expected}>Title</h${expected}>`)
      expect(bodies.markdown).toBe(`${'#'.repeat(expected)} Title\n`)
    }
  })

  it('keeps Object.prototype out of tag lookups and attributes', () => {
    const doc = hostileDoc([
      {
        kind: 'element',
        name: 'constructor',
        attrs: [
          ['__proto__', { level: 9 }],
          ['x', 1],
        ],
        children: [{ kind: 'text', text: 'a', marks: [['toString', true]] }],
      },
      {
        kind: 'element',
        name: 'heading',
        attrs: [['__proto__', { level: { toString: 1 } }]],
        children: [{ kind: 'text', text: 'b', marks: [] }],
      },
    ])
    const bodies = exportsSafely(doc)
    // An unknown node gives way to its content; its text stays.
    expect(htmlBody(bodies.html)).toBe('<p>a</p><h1>b</h1>')
    expect(JSON.parse(bodies.json)).toEqual({
      type: 'doc',
      content: [
        { type: 'constructor', attrs: { x: 1 }, content: [{ type: 'text', text: 'a', marks: [{ type: 'toString' }] }] },
        { type: 'heading', content: [{ type: 'text', text: 'b' }] },
      ],
    })
  })

  it('keeps text that sits outside any block, and text inside leaf nodes', () => {
    const doc = hostileDoc([
      { kind: 'text', text: 'loose', marks: [] },
      { kind: 'element', name: 'bullet_list', attrs: [], children: [{ kind: 'text', text: 'item without list_item', marks: [] }] },
      { kind: 'element', name: 'horizontal_rule', attrs: [], children: [{ kind: 'text', text: 'inside the rule', marks: [] }] },
    ])
    const bodies = exportsSafely(doc)
    expect(bodies.markdown).toBe('loose\n\n- item without list_item\n\n---\n\ninside the rule\n')
    expect(bodies.text).toBe('loose\n\n- item without list_item\n\n----------\n\ninside the rule\n')
  })

  it('flattens nesting below MAX_EXPORT_DEPTH into text instead of overflowing the stack (10,000 levels)', () => {
    const doc = deepDoc(10_000, (level) => (level % 2 ? 'blockquote' : 'bullet_list'), 1_000)
    const bodies = exportsSafely(doc)
    for (let level = 1_000; level <= 10_000; level += 1_000) expect(bodies.text).toContain(`level ${level}`)
    // Each element is an object and a content array: two JSON levels per document level.
    expect(jsonDepth(JSON.parse(bodies.json))).toBeLessThanOrEqual(2 * MAX_EXPORT_DEPTH + 4)
  })

  it('is total at every depth around the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_EXPORT_DEPTH + 40 }),
        fc.constantFrom('blockquote', 'paragraph', 'list_item', 'ordered_list', 'x'),
        (depth, name) => {
          exportsSafely(deepDoc(depth, () => name, 7))
        },
      ),
      { seed, numRuns: 30 },
    )
  })

  it('stays linear in the size of the output: 150,000 lines 62 quotes deep', () => {
    const doc = new Y.Doc()
    let parent: Y.XmlFragment | Y.XmlElement = doc.getXmlFragment(DOCUMENT_FRAGMENT)
    for (let level = 1; level < 63; level++) {
      const quote = new Y.XmlElement('blockquote')
      parent.insert(0, [quote])
      parent = quote
    }
    const block = new Y.XmlElement('code_block')
    block.insert(0, [new Y.XmlText(Array.from({ length: 150_000 }, (_, i) => `line ${i}`).join('\n'))])
    parent.insert(0, [block])
    const stored = reloaded(doc)
    const started = performance.now()
    for (const format of formats) exportDocument(stored, format)
    const elapsed = performance.now() - started
    // About 0.25 s here; re-prefixing every line at every level (the old Markdown writer) took 5 s.
    expect(elapsed).toBeLessThan(2_000)
    expect(exportsSafely(stored).markdown).toContain(`${'> '.repeat(62)}line 149999`)
  })
})

import { defaultMarkdownSerializer, MarkdownSerializer } from 'prosemirror-markdown'
import type { Node } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'

import { serializeLinear } from './linear-serializer-state.js'
import { sampleDocument } from './sample-document.test-support.js'
import { schema } from './schema.js'

const { nodes } = schema
const p = (text: string) => nodes.paragraph!.create(null, text ? schema.text(text) : null)

/** Documents that reach every path of the rewritten methods: quotes, lists, code, breaks, `![`. */
function documents(): Node[] {
  const code = nodes.code_block!.create(null, schema.text('![not an image]\n[x]\n\nlast'))
  const quote = (...content: Node[]) => nodes.blockquote!.create(null, content)
  return [
    sampleDocument(),
    nodes.doc!.create(null, [quote(quote(p('deep'), code), p('')), p('after!'), code]),
    nodes.doc!.create(null, [
      nodes.bullet_list!.create(null, [nodes.list_item!.create(null, [p('a'), quote(p('b'))]), nodes.list_item!.create(null, [p('')])]),
    ]),
    nodes.doc!.create(null, [p('')]),
  ]
}

describe('serializeLinear', () => {
  // The stock serializer is the oracle: same output, only the cost differs.
  // Not strict: it knows no underline or strike, and writes their text alone.
  const stock = new MarkdownSerializer(defaultMarkdownSerializer.nodes, defaultMarkdownSerializer.marks, { strict: false })
  it.each([true, false])('writes what the stock serializer writes (tight lists: %s)', (tightLists) => {
    for (const doc of documents()) expect(serializeLinear(stock, doc, { tightLists })).toBe(stock.serialize(doc, { tightLists }))
  })
})

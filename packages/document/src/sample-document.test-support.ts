/** A document using every node and mark of the schema, for the export tests. */
import type { Node } from 'prosemirror-model'

import { schema } from './schema.js'

const { nodes, marks } = schema
const t = (text: string, ...markNames: string[]) =>
  schema.text(
    text,
    markNames.map((name) => marks[name]!.create()),
  )
const link = (text: string, href: string) => schema.text(text, [marks.link!.create({ href, title: null })])
const p = (...content: Node[]) => nodes.paragraph!.create(null, content)
const item = (...content: Node[]) => nodes.list_item!.create(null, content)

/** Headings, marks, a link, nested lists, a quote, code, a divider, a line break, and text that looks like Markdown. */
export function sampleDocument(): Node {
  return nodes.doc!.create(null, [
    nodes.heading!.create({ level: 1 }, [t('Plan <v1> & more')]),
    p(
      t('Ship '),
      t('bold', 'strong'),
      t(' and '),
      t('slanted', 'em'),
      t(' with '),
      link('the docs', 'https://example.com/docs?a=1&b=(2)'),
      t(', '),
      t('code()', 'code'),
      t(' and '),
      t('gone', 'strike'),
      t('.'),
    ),
    p(t('# not a heading')),
    p(t('- not a list, *not emphasis*, 1. not numbered, [not](a link) and \\ a backslash')),
    nodes.bullet_list!.create(null, [
      item(p(t('one'))),
      item(p(t('two')), nodes.bullet_list!.create(null, [item(p(t('two and a half')))])),
    ]),
    nodes.ordered_list!.create({ order: 3 }, [item(p(t('third'))), item(p(t('fourth')))]),
    nodes.blockquote!.create(null, [p(t('quoted')), p(t('second line of the quote'))]),
    nodes.code_block!.create(null, [t('let x = 1\n# not a heading either\n  indented')]),
    nodes.horizontal_rule!.create(),
    nodes.heading!.create({ level: 2 }, [t('After')]),
    p(t('first line'), nodes.hard_break!.create(), t('second line')),
  ])
}

/** What underline looks like (Markdown has none, so it is checked apart). */
export function underlined(): Node {
  return nodes.doc!.create(null, [p(t('plain '), t('under', 'underline'))])
}

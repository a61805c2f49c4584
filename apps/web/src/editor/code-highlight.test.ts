import { schema } from '@tandem/document'
import { EditorState } from 'prosemirror-state'
import type { DecorationSet } from 'prosemirror-view'
import { describe, expect, it } from 'vitest'

import { codeHighlightPlugin, isHighlighted } from './code-highlight.js'

const { nodes } = schema

function decorationsOf(language: string, code: string): string[] {
  const plugin = codeHighlightPlugin()
  const doc = nodes.doc!.create(null, [nodes.code_block!.create({ language }, schema.text(code))])
  const state = EditorState.create({ doc, plugins: [plugin] })
  const set = plugin.props.decorations!.call(plugin, state) as DecorationSet | null
  return (set?.find() ?? []).map((decoration) => String((decoration as unknown as { type: { attrs: { class: string } } }).type.attrs.class))
}

describe('code highlighting', () => {
  it('knows languages by name and alias, and nothing for an empty or unknown one', () => {
    expect(isHighlighted('typescript')).toBe(true)
    expect(isHighlighted('ts')).toBe(true)
    expect(isHighlighted('')).toBe(false)
    expect(isHighlighted('klingon')).toBe(false)
  })

  it('colours the tokens of a block in a known language, and leaves other blocks plain', () => {
    expect(decorationsOf('ts', 'const answer: number = 42 // why')).toEqual(
      expect.arrayContaining(['hljs-keyword', 'hljs-number', 'hljs-comment']),
    )
    expect(decorationsOf('', 'const answer = 42')).toEqual([])
    expect(decorationsOf('klingon', 'const answer = 42')).toEqual([])
  })
})

import { schema } from '@tandem/document'
import type { Node } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'

import { type Change, versionChanges } from './version-diff.js'

const { doc, paragraph, heading } = schema.nodes as Record<string, NonNullable<(typeof schema.nodes)[string]>>

function document(...blocks: Array<string | [number, string]>): Node {
  return doc!.create(
    null,
    blocks.map((block) =>
      typeof block === 'string'
        ? paragraph!.create(null, block ? schema.text(block) : null)
        : heading!.create({ level: block[0] }, schema.text(block[1])),
    ),
  )
}

/** The changes with the text they cover in `newer`, for readable expectations. */
function described(newer: Node, changes: Change[]): string[] {
  return changes.map((change) => {
    if (change.kind === 'inserted') return `+${newer.textBetween(change.from, change.to)}`
    if (change.kind === 'inserted-block') return `+block ${newer.nodeAt(change.pos)!.textContent}`
    return `-${change.text}`
  })
}

describe('versionChanges', () => {
  it('finds nothing between equal documents', () => {
    expect(versionChanges(document('a b', 'c'), document('a b', 'c'))).toEqual([])
  })

  it('marks inserted and removed words inside a changed paragraph', () => {
    const older = document('Title', 'The quick fox jumps')
    const newer = document('Title', 'The quick brown fox leaps')
    expect(described(newer, versionChanges(older, newer))).toEqual(['+brown ', '-jumps', '+leaps'])
  })

  it('marks new blocks whole, and shows removed blocks struck through', () => {
    const older = document('one', 'two', 'three')
    const newer = document('one', 'three', 'four')
    expect(described(newer, versionChanges(older, newer))).toEqual(['-two', '+block four'])
  })

  it('places inserted text at the right positions after headings and earlier changes', () => {
    const older = document([1, 'Head'], 'alpha', 'beta')
    const newer = document([1, 'Head'], 'alpha!', 'beta gamma')
    const changes = versionChanges(older, newer)
    expect(described(newer, changes)).toEqual(['+!', '+ gamma'])
    for (const change of changes) {
      if (change.kind === 'inserted') expect(change.to).toBeLessThanOrEqual(newer.content.size)
    }
  })
})

import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { guardAwarenessUpdate } from './awareness-guard.js'

function updateFor(states: Array<[number, unknown]>): Uint8Array {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  for (const [clientId, state] of states) {
    awareness.states.set(clientId, state as Record<string, unknown>)
    awareness.meta.set(clientId, { clock: 1, lastUpdated: Date.now() })
  }
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, states.map(([id]) => id))
  awareness.destroy()
  return update
}

function statesOf(update: Uint8Array | null): Map<number, unknown> {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  if (update) awarenessProtocol.applyAwarenessUpdate(awareness, update, 'test')
  const states = new Map(awareness.getStates())
  states.delete(awareness.clientID)
  awareness.destroy()
  return states
}

const open = { ownedByOther: () => false, stamp: null, maxEntries: 16, maxStateBytes: 8192 }

describe('guardAwarenessUpdate', () => {
  it('keeps entries of ids nobody else owns, unchanged in open mode', () => {
    const update = updateFor([[1, { user: { name: 'Ada' }, cursor: null }]])
    expect(statesOf(guardAwarenessUpdate(update, open).update)).toEqual(new Map([[1, { user: { name: 'Ada' }, cursor: null }]]))
  })

  it("drops entries for another connection's client ids", () => {
    const update = updateFor([[1, { a: 1 }], [2, { b: 2 }]])
    const guarded = guardAwarenessUpdate(update, { ...open, ownedByOther: (id: number) => id === 2 })
    expect(guarded.dropped).toBe(1)
    expect([...statesOf(guarded.update).keys()]).toEqual([1])
    expect(guardAwarenessUpdate(updateFor([[2, { b: 2 }]]), { ...open, ownedByOther: () => true }).update).toBeNull()
  })

  it('stamps the verified name and colour over whatever the client claimed', () => {
    const update = updateFor([[1, { user: { name: 'The Admin', color: '#000', avatar: 'x' }, cursor: { a: 1 } }]])
    const guarded = guardAwarenessUpdate(update, { ...open, stamp: { name: 'Ada', color: '#e91e63' } })
    expect(statesOf(guarded.update).get(1)).toEqual({ user: { name: 'Ada', color: '#e91e63', avatar: 'x' }, cursor: { a: 1 } })
  })

  it('caps entries per message and state size', () => {
    const many = updateFor(Array.from({ length: 20 }, (_, i) => [i + 1, { i }] as [number, unknown]))
    expect(statesOf(guardAwarenessUpdate(many, open).update).size).toBe(16)
    const big = updateFor([[1, { blob: 'x'.repeat(10_000) }], [2, { small: true }]])
    const guarded = guardAwarenessUpdate(big, open)
    expect(guarded.dropped).toBe(1)
    expect([...statesOf(guarded.update).keys()]).toEqual([2])
  })

  it('throws on undecodable updates', () => {
    expect(() => guardAwarenessUpdate(new Uint8Array([3, 1]), open)).toThrow()
    expect(() => guardAwarenessUpdate(new Uint8Array([...updateFor([[1, {}]]), 0]), open)).toThrow(/trailing/)
  })
})

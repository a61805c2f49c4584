import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

import { type AwarenessRules, guardAwarenessUpdate, MAX_STATE_DEPTH, MAX_USER_NAME_LENGTH } from './awareness-guard.js'

function updateFor(states: Array<[number, unknown]>, clock = 1): Uint8Array {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  for (const [clientId, state] of states) {
    awareness.states.set(clientId, state as Record<string, unknown>)
    awareness.meta.set(clientId, { clock, lastUpdated: Date.now() })
  }
  const update = awarenessProtocol.encodeAwarenessUpdate(
    awareness,
    states.map(([id]) => id),
  )
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

const open: AwarenessRules = {
  knownClock: () => undefined,
  present: () => false,
  ownedByOther: () => false,
  owned: new Set(),
  roomIdCount: () => 0,
  addressIdCount: () => null,
  stamp: null,
  maxEntries: 16,
  maxStateBytes: 8192,
  maxIdsPerConnection: 100,
  maxIdsPerRoom: 1000,
}

describe('guardAwarenessUpdate', () => {
  it('keeps entries of ids nobody else owns, unchanged in open mode', () => {
    const update = updateFor([[1, { user: { name: 'Ada' }, cursor: null }]])
    expect(statesOf(guardAwarenessUpdate(update, open).update)).toEqual(new Map([[1, { user: { name: 'Ada' }, cursor: null }]]))
  })

  it('passes an update kept whole as the bytes it came in, and re-encodes one it changed', () => {
    const update = updateFor([
      [1, { user: { name: 'Ada' }, cursor: { anchor: 3 } }],
      [2, { cursor: null }],
    ])
    expect(guardAwarenessUpdate(update, open).update).toBe(update)
    const stamped = guardAwarenessUpdate(update, { ...open, stamp: { id: 'bea', name: 'Bea', color: null } }).update
    expect(stamped).not.toBe(update)
    expect(statesOf(stamped).get(2)).toEqual({ cursor: null, user: { id: 'bea', name: 'Bea' } })
    const partly = guardAwarenessUpdate(update, { ...open, ownedByOther: (id: number) => id === 2 }).update
    expect([...statesOf(partly).keys()]).toEqual([1])
  })

  it("drops entries for another connection's client ids", () => {
    const update = updateFor([
      [1, { a: 1 }],
      [2, { b: 2 }],
    ])
    const guarded = guardAwarenessUpdate(update, { ...open, ownedByOther: (id: number) => id === 2 })
    expect(guarded.dropped).toBe(1)
    expect([...statesOf(guarded.update).keys()]).toEqual([1])
    expect(guardAwarenessUpdate(updateFor([[2, { b: 2 }]]), { ...open, ownedByOther: () => true }).update).toBeNull()
  })

  it('stamps the verified id, name and colour over whatever the client claimed', () => {
    const update = updateFor([[1, { user: { id: 'admin', name: 'The Admin', color: '#000', avatar: 'x' }, cursor: { a: 1 } }]])
    const guarded = guardAwarenessUpdate(update, { ...open, stamp: { id: 'ada', name: 'Ada', color: '#e91e63' } })
    expect(statesOf(guarded.update).get(1)).toEqual({ user: { id: 'ada', name: 'Ada', color: '#e91e63', avatar: 'x' }, cursor: { a: 1 } })
  })

  it('caps entries per message and state size', () => {
    const many = updateFor(Array.from({ length: 20 }, (_, i) => [i + 1, { i }] as [number, unknown]))
    expect(statesOf(guardAwarenessUpdate(many, open).update).size).toBe(16)
    const big = updateFor([
      [1, { blob: 'x'.repeat(10_000) }],
      [2, { small: true }],
    ])
    const guarded = guardAwarenessUpdate(big, open)
    expect(guarded.dropped).toBe(1)
    expect([...statesOf(guarded.update).keys()]).toEqual([2])
  })

  it('throws on undecodable updates', () => {
    expect(() => guardAwarenessUpdate(new Uint8Array([3, 1]), open)).toThrow()
    expect(() => guardAwarenessUpdate(new Uint8Array([...updateFor([[1, {}]]), 0]), open)).toThrow(/trailing/)
    // A state length running past the end, and bytes that are not UTF-8.
    expect(() => guardAwarenessUpdate(new Uint8Array([1, 1, 1, 200, 1, 0x7b]), open)).toThrow(/past the end/)
    expect(() => guardAwarenessUpdate(new Uint8Array([1, 1, 1, 2, 0xc3, 0x28]), open)).toThrow()
  })

  it('measures the state limit in UTF-8 bytes, not UTF-16 units', () => {
    // 3,000 three-byte characters: 3,000 UTF-16 units, 9,000+ bytes on the wire.
    const update = updateFor([[1, { note: '€'.repeat(3000) }]])
    expect('€'.repeat(3000).length).toBeLessThan(8192)
    expect(guardAwarenessUpdate(update, open)).toMatchObject({ update: null, dropped: 1 })
  })

  it('normalizes user to string name and safe colour, whatever shape was sent', () => {
    const cases: Array<[unknown, unknown]> = [
      [
        { name: 'Ada', color: '#e91e63' },
        { name: 'Ada', color: '#e91e63' },
      ],
      [{ name: { toString: 1 }, color: { valueOf: null } }, undefined],
      [{ name: 'Ada', color: 'red; background: url(https://evil.example/x)' }, { name: 'Ada' }],
      [{ name: 'x'.repeat(500), color: 'x'.repeat(500) }, { name: 'x'.repeat(MAX_USER_NAME_LENGTH) }],
      [
        { name: 'a'.repeat(MAX_USER_NAME_LENGTH - 1) + '😀', color: 'rgb(1, 2, 3)' },
        { name: 'a'.repeat(MAX_USER_NAME_LENGTH - 1), color: 'rgb(1, 2, 3)' },
      ],
      [['Ada', '#fff'], undefined],
      ['Ada', undefined],
      [null, undefined],
    ]
    for (const [sent, kept] of cases) {
      const state = statesOf(guardAwarenessUpdate(updateFor([[1, { user: sent, cursor: 1 }]]), open).update).get(1) as {
        user?: unknown
        cursor: number
      }
      expect(state.user, JSON.stringify(sent)).toEqual(kept)
      expect(state.cursor).toBe(1)
    }
  })

  it('refuses states that are not objects or are nested too deep', () => {
    let deep: unknown = 1
    for (let i = 0; i < MAX_STATE_DEPTH; i++) deep = { deep }
    for (const state of [42, 'text', [1, 2], { deep }]) {
      expect(guardAwarenessUpdate(updateFor([[1, state]]), open), JSON.stringify(state)).toMatchObject({ update: null, dropped: 1 })
    }
    expect(guardAwarenessUpdate(updateFor([[1, (deep as { deep: unknown }).deep]]), open).update).not.toBeNull()
  })

  it('drops echoes and removals of absent ids silently, without counting them as refused', () => {
    const seen: AwarenessRules = {
      ...open,
      knownClock: (id) => (id === 1 ? 5 : undefined),
      present: (id) => id === 1,
      ownedByOther: () => true,
    }
    // An echo of what the room sent (same clock), and an older one.
    expect(guardAwarenessUpdate(updateFor([[1, { a: 1 }]], 5), seen)).toEqual({
      update: null,
      dropped: 0,
      ignored: 1,
      crowdedOut: 0,
      overLimit: null,
    })
    expect(guardAwarenessUpdate(updateFor([[1, { a: 1 }]], 4), seen)).toEqual({
      update: null,
      dropped: 0,
      ignored: 1,
      crowdedOut: 0,
      overLimit: null,
    })
    // A newer clock for an id someone else owns is not an echo.
    expect(guardAwarenessUpdate(updateFor([[1, { a: 1 }]], 6), seen).dropped).toBe(1)
    // Removing an id nobody has: nothing to do, and nothing recorded.
    expect(guardAwarenessUpdate(updateFor([[7, null]], 3), open)).toEqual({
      update: null,
      dropped: 0,
      ignored: 1,
      crowdedOut: 0,
      overLimit: null,
    })
  })

  it('reports going over the per-connection cap and leaves out ids past the room cap', () => {
    const four = updateFor([1, 2, 3, 4].map((id) => [id, { id }] as [number, unknown]))
    expect(guardAwarenessUpdate(four, { ...open, maxIdsPerConnection: 4 }).overLimit).toBeNull()
    expect(guardAwarenessUpdate(four, { ...open, maxIdsPerConnection: 3 })).toEqual({
      update: null,
      dropped: 0,
      ignored: 0,
      crowdedOut: 0,
      overLimit: 'connection',
    })
    // Ids the connection already owns are not new.
    expect(guardAwarenessUpdate(four, { ...open, owned: new Set([1, 2, 3]), maxIdsPerConnection: 4 }).overLimit).toBeNull()
    // Past the room's cap, new ids are left out; the rest of the update stands.
    const crowded = guardAwarenessUpdate(four, { ...open, roomIdCount: () => 253, maxIdsPerRoom: 256 })
    expect(crowded).toMatchObject({ overLimit: null, crowdedOut: 1, dropped: 0 })
    expect([...statesOf(crowded.update).keys()]).toEqual([1, 2, 3])
  })

  it("leaves out ids past one address's share (a quarter of the room's cap), so one machine cannot fill a room", () => {
    const four = updateFor([1, 2, 3, 4].map((id) => [id, { id }] as [number, unknown]))
    // 62 ids already held from this address, 64 allowed (256 / 4): two more get in, two are left out.
    const shared = guardAwarenessUpdate(four, {
      ...open,
      addressIdCount: () => 62,
      roomIdCount: () => 62,
      maxIdsPerConnection: 4,
      maxIdsPerRoom: 256,
    })
    expect(shared).toMatchObject({ overLimit: null, crowdedOut: 2 })
    expect([...statesOf(shared.update).keys()]).toEqual([1, 2])
    // Another address, same room: all four.
    expect(
      guardAwarenessUpdate(four, { ...open, addressIdCount: () => 0, roomIdCount: () => 62, maxIdsPerConnection: 4, maxIdsPerRoom: 256 })
        .crowdedOut,
    ).toBe(0)
  })
})

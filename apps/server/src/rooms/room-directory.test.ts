import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { Room } from './room.js'
import { MAX_LISTED_USERS, presentUsers } from './room-directory.js'
import { UpdateWriter } from './update-writer.js'

function room(): Room {
  const writer = new UpdateWriter(new MemoryDocumentStore(), {
    onPersisted: () => {},
    onFailure: () => {},
    onError: (error) => {
      throw error
    },
  })
  return new Room('doc', null, { writer })
}

/** Put `state` into the room's awareness as a client would, but without the guard in front. */
function announce(target: Room, state: unknown): void {
  const source = new awarenessProtocol.Awareness(new Y.Doc())
  source.setLocalState(state as Record<string, unknown>)
  awarenessProtocol.applyAwarenessUpdate(target.awareness, awarenessProtocol.encodeAwarenessUpdate(source, [source.clientID]), 'test')
  source.destroy()
}

describe('presentUsers', () => {
  it('lists at most MAX_LISTED_USERS people and counts them all', () => {
    const r = room()
    for (let i = 0; i < 120; i++) announce(r, { user: { name: `person ${i}`, color: '#123456' } })
    announce(r, { user: { name: 'person 7', color: '#123456' } })
    const present = presentUsers(r)
    expect(present.users).toHaveLength(MAX_LISTED_USERS)
    expect(present.total).toBe(120)
    r.destroy()
  })

  it('reads hostile states without throwing and keeps only sane names and colours', () => {
    const r = room()
    const hostile: unknown[] = [
      'a string state',
      42,
      [1, 2, 3],
      { user: null },
      { user: 'Mallory' },
      { user: ['Mallory'] },
      { user: { name: 42, color: '#fff' } },
      { user: { name: { toString: 'x' } } },
      { user: { name: '   ' } },
      { user: { name: 'x'.repeat(1_000_000), color: 'c'.repeat(100_000) } },
      { user: { name: `${'a'.repeat(79)}😀tail`, color: ['#fff'] } },
      { user: { name: 'Ada', color: '#e91e63' } },
    ]
    for (const state of hostile) announce(r, state)
    const { users, total } = presentUsers(r)
    expect(users).toEqual([
      { name: 'x'.repeat(80), color: null },
      { name: 'a'.repeat(79), color: null },
      { name: 'Ada', color: '#e91e63' },
    ])
    expect(total).toBe(3)
    expect(JSON.stringify(users).length).toBeLessThan(400)
    r.destroy()
  })
})

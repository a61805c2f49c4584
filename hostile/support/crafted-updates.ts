/**
 * Document updates that are valid Yjs but expensive to integrate, the way an attacker with write
 * access would build them: as many structs as a frame holds, or many concurrent inserts at one spot
 * (Yjs resolves such conflicts by scanning the siblings already there, so k of them cost ~k²/2 steps).
 */
import { insertsAtStart } from '@tandem/server/src/test-support/inserts-at-start.js'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** An update of `count` single-character items that cannot merge (each inserted before the last). */
export function unmergeableInserts(count: number, clientId = 7_000_001): Uint8Array {
  return insertsAtStart(count, clientId)
}

/** The base the conflict storm inserts into: two characters of client `baseClient` in text `t`. */
export function conflictBase(baseClient = 7_000_002): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = baseClient
  doc.getText('t').insert(0, 'ab')
  return Y.encodeStateAsUpdate(doc)
}

/**
 * `count` clients each inserting one character between the two of {@link conflictBase}, all
 * concurrently: the same origin and right origin, so every insert conflicts with every other.
 */
export function conflictStorm(count: number, baseClient = 7_000_002, firstClient = 8_000_000): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, count)
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(encoder, 1) // one struct
    encoding.writeVarUint(encoder, firstClient + i)
    encoding.writeVarUint(encoder, 0) // clock
    encoding.writeUint8(encoder, 4 | 0x80 | 0x40) // a string item with origin and right origin
    encoding.writeVarUint(encoder, baseClient)
    encoding.writeVarUint(encoder, 0)
    encoding.writeVarUint(encoder, baseClient)
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarString(encoder, 'x')
  }
  encoding.writeVarUint(encoder, 0) // empty delete set
  return encoding.toUint8Array(encoder)
}

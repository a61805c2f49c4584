/**
 * Records who writes with which Yjs client id, in the document's `authors` map (see
 * `@tandem/protocol`), so editors can colour text by its author. The server writes it, not the
 * clients: in secure mode the name comes from the token, so nobody can put their words under another
 * person's name; in open mode it is the name the connection announced. A client id is attributed to
 * the first connection that wrote with it, once (in open mode, once it has announced a name); that
 * costs one small stored update per new client id.
 * What a client writes into the map itself is undone at once (the server's later write wins in Yjs).
 */
import { AUTHORS_MAP } from '@tandem/protocol'
import * as Y from 'yjs'

import type { Logger } from '../logger.js'
import { isPeer, type Peer } from '../rooms/peer.js'
import type { Room } from '../rooms/room.js'

/** Most client ids a room attributes; later ones stay unattributed (a client making up ids cannot grow the map without bound). */
const MAX_AUTHORS_PER_ROOM = 10_000

/** One per server. */
export class AuthorAttribution {
  readonly #logger: Logger
  readonly #watched = new WeakSet<Room>()

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Start attributing `room`'s changes (idempotent; call when someone joins it). */
  watch(room: Room): void {
    if (this.#watched.has(room) || room.destroyed) return
    this.#watched.add(room)
    const authors = room.doc.getMap<unknown>(AUTHORS_MAP)
    // What the map held when the room loaded, and what this server wrote since: the values to keep.
    const trusted = new Map<string, unknown>(authors.entries())
    authors.observe((event, transaction) => {
      if (isPeer(transaction.origin)) return
      for (const key of event.changes.keys.keys()) {
        if (authors.has(key)) trusted.set(key, authors.get(key))
      }
    })
    room.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      const origin: unknown = transaction.origin
      if (!isPeer(origin)) return
      for (const [type, keys] of transaction.changed) {
        if ((type as unknown) !== authors || keys.size === 0) continue
        // A client wrote into the map itself: put back what the server wrote, remove the rest.
        const forged = [...keys].filter((key): key is string => typeof key === 'string')
        queueMicrotask(() => this.#restore(room, trusted, forged))
      }
    })
    room.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (!isPeer(origin)) return
      // Open mode without an announced name: nothing to attribute yet, so not even the update is read.
      if (origin.identity.kind === 'anonymous' && room.announcedName(origin) === null) return
      // The clients whose structs this update carries (typing: one), not every client of the document.
      const fresh = [...Y.parseUpdateMeta(update).to.keys()].filter((client) => !authors.has(String(client)))
      if (fresh.length === 0) return
      // Not inside the transaction being cleaned up: right after it.
      queueMicrotask(() => this.#attribute(room, origin, fresh))
    })
  }

  #restore(room: Room, trusted: ReadonlyMap<string, unknown>, keys: string[]): void {
    if (room.destroyed) return
    const authors = room.doc.getMap<unknown>(AUTHORS_MAP)
    room.changeAsServer((doc, origin) =>
      doc.transact(() => {
        for (const key of keys) {
          if (trusted.has(key)) authors.set(key, trusted.get(key))
          else authors.delete(key)
        }
      }, origin),
    )
  }

  #attribute(room: Room, peer: Peer, clients: number[]): void {
    if (room.destroyed) return
    const authors = room.doc.getMap<unknown>(AUTHORS_MAP)
    const missing = clients.filter((client) => !authors.has(String(client)))
    if (missing.length === 0 || authors.size + missing.length > MAX_AUTHORS_PER_ROOM) return
    let author: { id: string | null; name: string; color: string | null }
    if (peer.identity.kind === 'user') author = { id: peer.identity.id, name: peer.identity.name, color: peer.identity.color }
    else {
      // Open mode: only a name the connection announced says anything; until then (a client that
      // never announces one, like a script), its text stays unattributed and nothing is written.
      const name = room.announcedName(peer)
      if (name === null) return
      author = { id: null, name, color: room.announcedColor(peer) }
    }
    try {
      room.changeAsServer((doc, origin) =>
        doc.transact(() => {
          for (const client of missing) authors.set(String(client), author)
        }, origin),
      )
    } catch (error) {
      this.#logger.warn({ err: error, room: room.name }, 'recording who wrote what failed')
    }
  }
}

/**
 * Keeps comments honest in secure mode, where every writer is a signed-in user. Any client can write
 * any Yjs structure, so the server checks what each connection did to the `comments` map and undoes
 * what it may not do, right after (a later write wins in Yjs):
 *
 * - a new comment is signed with its writer's token: whatever `author` the client put there is
 *   replaced by the connection's user (so nobody can comment as someone else);
 * - a comment's text, mentions and deletion belong to its author: a change by anyone else is put back;
 * - a thread's anchor and quote belong to whoever started it.
 *
 * Resolving and reopening stay open to every writer, as in other editors. Open mode has no identities
 * to check against, so nothing is enforced there. Changes from other nodes were checked by the node
 * their writer is connected to, and are taken as they are.
 */
import { COMMENTS_MAP, readAuthor } from '@tandem/protocol'
import * as Y from 'yjs'

import type { UserIdentity } from '../auth/identity.js'
import type { Logger } from '../logger.js'
import { isPeer } from '../rooms/peer.js'
import type { Room } from '../rooms/room.js'
import { touchedThreads } from './touched-threads.js'

/** Keys of a comment only its author may change. */
const ENTRY_KEYS = ['author', 'body', 'mentions', 'editedAt', 'deleted'] as const
/** Keys of a thread only the person who started it may change. */
const THREAD_KEYS = ['start', 'end', 'quote'] as const

/** What the server last accepted for one map: its owner and the values of the guarded keys. */
interface Accepted {
  owner: string | null
  values: Map<string, unknown>
}

function snapshot(map: Y.Map<unknown>, keys: readonly string[], owner: string | null): Accepted {
  return { owner, values: new Map(keys.map((key) => [key, map.get(key)])) }
}

/** Same JSON-like value (Yjs hands back new objects for stored plain values). */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((byte, i) => byte === b[i])
  return JSON.stringify(a) === JSON.stringify(b)
}

/** One per server. */
export class CommentGuard {
  readonly #logger: Logger
  readonly #watched = new WeakSet<Room>()

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Start guarding `room` (idempotent; call when someone joins it). */
  watch(room: Room): void {
    if (this.#watched.has(room) || room.destroyed) return
    this.#watched.add(room)
    const accepted = new WeakMap<Y.Map<unknown>, Accepted>()
    const comments = room.doc.getMap<unknown>(COMMENTS_MAP)
    const accept = (thread: Y.Map<unknown>): void => {
      const entries = thread.get('entries')
      const items = entries instanceof Y.Array ? (entries.toArray() as unknown[]) : []
      const first = items[0] instanceof Y.Map ? (items[0] as Y.Map<unknown>) : null
      accepted.set(thread, snapshot(thread, THREAD_KEYS, first ? (readAuthor(first.get('author'))?.id ?? null) : null))
      for (const item of items) {
        if (item instanceof Y.Map) {
          const entry = item as Y.Map<unknown>
          accepted.set(entry, snapshot(entry, ENTRY_KEYS, readAuthor(entry.get('author'))?.id ?? null))
        }
      }
    }
    for (const value of comments.values()) if (value instanceof Y.Map) accept(value as Y.Map<unknown>)

    comments.observeDeep((events, transaction) => {
      const origin: unknown = transaction.origin
      const touched = new Set<Y.Map<unknown>>()
      for (const threadId of touchedThreads(comments, events)) {
        const thread = comments.get(threadId)
        if (thread instanceof Y.Map) touched.add(thread as Y.Map<unknown>)
      }
      if (!isPeer(origin) || origin.identity.kind !== 'user') {
        // The server's own change, another node's, or open mode: accepted as it is.
        for (const thread of touched) accept(thread)
        return
      }
      const user = origin.identity
      const repairs: Array<() => void> = []
      for (const thread of touched) repairs.push(...this.#check(thread, user, accepted))
      if (repairs.length === 0) return
      queueMicrotask(() => {
        if (room.destroyed) return
        this.#logger.warn({ room: room.name, user: user.id }, 'undoing changes to comments that are not this user’s')
        room.changeAsServer((doc, serverOrigin) => doc.transact(() => repairs.forEach((repair) => repair()), serverOrigin))
        for (const thread of touched) accept(thread)
      })
    })
  }

  /** What must be put back in `thread` after `user` changed it; records what `user` may do as accepted. */
  #check(thread: Y.Map<unknown>, user: UserIdentity, accepted: WeakMap<Y.Map<unknown>, Accepted>): Array<() => void> {
    const repairs: Array<() => void> = []
    const stamp = { id: user.id, name: user.name, color: user.color }
    const known = accepted.get(thread)
    if (known && known.owner !== user.id) {
      for (const [key, value] of known.values) {
        if (!same(thread.get(key), value)) repairs.push(() => (value === undefined ? thread.delete(key) : thread.set(key, value)))
      }
    }
    const entries = thread.get('entries')
    if (!(entries instanceof Y.Array)) return repairs
    for (const item of entries.toArray() as unknown[]) {
      if (!(item instanceof Y.Map)) continue
      const entry = item as Y.Map<unknown>
      const before = accepted.get(entry)
      if (!before) {
        // New: signed with the writer's token, whatever the client claimed.
        if (!same(entry.get('author'), stamp)) repairs.push(() => entry.set('author', stamp))
        accepted.set(entry, { owner: user.id, values: new Map(ENTRY_KEYS.map((key) => [key, key === 'author' ? stamp : entry.get(key)])) })
        continue
      }
      if (before.owner === user.id) {
        // The author's own edit (the author field itself stays theirs).
        if (!same(entry.get('author'), before.values.get('author'))) repairs.push(() => entry.set('author', before.values.get('author')))
        accepted.set(entry, {
          owner: user.id,
          values: new Map(ENTRY_KEYS.map((key) => [key, key === 'author' ? before.values.get('author') : entry.get(key)])),
        })
        continue
      }
      for (const [key, value] of before.values) {
        if (!same(entry.get(key), value)) repairs.push(() => (value === undefined ? entry.delete(key) : entry.set(key, value)))
      }
    }
    if (!known) {
      // A new thread: its anchor belongs to whoever wrote its first comment, which is this user.
      accepted.set(thread, { owner: user.id, values: new Map(THREAD_KEYS.map((key) => [key, thread.get(key)])) })
    } else if (known.owner === user.id) {
      accepted.set(thread, { owner: user.id, values: new Map(THREAD_KEYS.map((key) => [key, thread.get(key)])) })
    }
    return repairs
  }
}

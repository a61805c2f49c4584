/**
 * Watches the comment threads of live rooms (the `comments` map of each document, see
 * `@tandem/protocol`'s `comments.ts`) and tells people when a comment concerns them, on their own
 * channel `user:<id>`:
 *
 * - `mention`: a comment that mentions them was written, or an edit added them to its mentions;
 * - `reply`: someone replied in a thread they wrote in (unless the reply mentions them: one message).
 *
 * Only changes made through this node's connections count (another node tells its own writers'), and
 * only by a connection of a signed-in user writing as themselves: an entry whose `author.id` is not the
 * connection's token subject is someone posing as another and notifies nobody, and nobody is told of
 * their own comments. Read-only connections' updates never reach the document, so they notify nobody
 * either. Edits that add no mention notify nobody. Each author may cause at most
 * {@link MAX_NOTIFICATIONS_PER_MINUTE} notifications a minute; the rest are dropped and logged.
 */
import {
  type CommentEntry,
  type CommentMention,
  COMMENTS_MAP,
  readThread,
  readThreads,
  userChannel,
  type UserNotification,
} from '@tandem/protocol'
import type * as Y from 'yjs'

import type { UserIdentity } from '../auth/identity.js'
import type { Logger } from '../logger.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { isPeer } from '../rooms/peer.js'
import type { Room } from '../rooms/room.js'
import { touchedThreads } from './touched-threads.js'

/** Notifications one author may cause per minute; more are dropped. */
const MAX_NOTIFICATIONS_PER_MINUTE = 120

/** Characters of a comment's body quoted in its notification. */
const EXCERPT_LENGTH = 160

/** What is known of a room's comments: the mentions of each entry, by entry id. */
type Known = Map<string, Set<string>>

function excerptOf(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim()
  return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, EXCERPT_LENGTH - 1)}…`
}

/** One per server. */
export class CommentNotifier {
  readonly #hub: NotificationHub
  readonly #logger: Logger
  readonly #now: () => number
  readonly #watched = new WeakMap<Room, Known>()
  /** Notifications caused per author in the current minute. */
  #budget = new Map<string, number>()
  #minute = 0

  constructor(options: { hub: NotificationHub; logger: Logger; now?: () => number }) {
    this.#hub = options.hub
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
  }

  /** Start watching `room` (idempotent; call when someone joins it). */
  watch(room: Room): void {
    if (this.#watched.has(room) || room.destroyed) return
    const known: Known = new Map()
    for (const thread of readThreads(room.doc)) {
      for (const entry of thread.entries) known.set(entry.id, new Set(entry.mentions.map((mention) => mention.id)))
    }
    this.#watched.set(room, known)
    room.doc.getMap<unknown>(COMMENTS_MAP).observeDeep((events, transaction) => this.#changed(room, known, events, transaction))
  }

  #changed(room: Room, known: Known, events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction): void {
    const comments = room.doc.getMap<unknown>(COMMENTS_MAP)
    const touched = touchedThreads(comments, events)
    const origin: unknown = transaction.origin
    const author = isPeer(origin) && origin.identity.kind === 'user' ? origin.identity : null
    for (const threadId of touched) {
      const thread = readThread(comments.get(threadId))
      if (!thread) continue
      const earlier = new Set<string>()
      for (const entry of thread.entries) {
        const before = known.get(entry.id)
        const now = new Set(entry.mentions.map((mention) => mention.id))
        known.set(entry.id, now)
        if (author && entry.author.id === author.id && !entry.deleted) {
          const added = entry.mentions.filter((mention) => !before?.has(mention.id))
          this.#notify(room, thread.id, entry, author, added, before === undefined ? earlier : new Set())
        }
        if (entry.author.id !== null) earlier.add(entry.author.id)
      }
    }
  }

  /** Tell the people `added` mentions, and (for a new entry) the earlier `participants` of its thread. */
  #notify(
    room: Room,
    threadId: string,
    entry: CommentEntry,
    author: UserIdentity,
    added: CommentMention[],
    participants: Set<string>,
  ): void {
    const by = { id: author.id, name: author.name, color: author.color }
    const excerpt = excerptOf(entry.body)
    const mentioned = new Set<string>()
    for (const mention of added) {
      if (mention.id === author.id) continue
      mentioned.add(mention.id)
      this.#publish(author.id, mention.id, { type: 'mention', room: room.name, threadId, commentId: entry.id, by, excerpt })
    }
    for (const participant of participants) {
      if (participant === author.id || mentioned.has(participant)) continue
      this.#publish(author.id, participant, { type: 'reply', room: room.name, threadId, commentId: entry.id, by, excerpt })
    }
  }

  #publish(authorId: string, userId: string, data: UserNotification): void {
    const minute = Math.floor(this.#now() / 60_000)
    if (minute !== this.#minute) {
      this.#minute = minute
      this.#budget = new Map()
    }
    const spent = this.#budget.get(authorId) ?? 0
    if (spent >= MAX_NOTIFICATIONS_PER_MINUTE) {
      if (spent === MAX_NOTIFICATIONS_PER_MINUTE)
        this.#logger.warn({ user: authorId, room: data.room }, 'too many comment notifications this minute; dropping the rest')
      this.#budget.set(authorId, spent + 1)
      return
    }
    this.#budget.set(authorId, spent + 1)
    let channel: string
    try {
      channel = userChannel(userId)
    } catch {
      // An id no channel can be named after (too long, odd characters): nobody can subscribe to it.
      return
    }
    this.#hub.publish([channel], data).catch((error: unknown) => {
      this.#logger.error({ err: error, room: data.room }, 'publishing a comment notification failed')
    })
  }
}

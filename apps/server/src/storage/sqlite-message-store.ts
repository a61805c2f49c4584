/** {@link MessageStore} on SQLite, sharing Tandem's database with the document store. */
import type { Statement } from 'better-sqlite3'

import {
  type AppendOutcome,
  type ChannelMessage,
  type ChannelSelector,
  gapsPastForgotten,
  idempotencyScope,
  type MessageStore,
  type RetentionPolicy,
} from './message-store.js'
import { type Database, reclaimFreePages, resolveDatabase, type SqliteOptions, type SqliteStoreOptions } from './sqlite-database.js'

// The channels a selector names: exact names, plus the known channels in each prefix's range. Channel
// names are ASCII below DEL (CHANNEL_NAME_PATTERN), so every name starting with p sorts in
// [p, p || char(127)): a range on the `channels` primary key, never a scan, and "_" stays a plain
// character (LIKE would take it for a wildcard). CROSS JOIN fixes the loop order: channels outside,
// then a seek on channel_messages (channel, id) per channel; SQLite would otherwise walk the rowid
// order of every message to spare itself the sort.
const WANTED = `WITH wanted(name) AS (
    SELECT value FROM json_each(:names)
    UNION
    SELECT c.name FROM json_each(:prefixes) AS p CROSS JOIN channels AS c
      ON c.name >= p.value AND c.name < p.value || char(127)
  )`

/** Every statement of the store; exported so a test can check their query plans. */
export const MESSAGE_STORE_SQL = {
  insertMessage: `INSERT INTO channel_messages (channel, data, ts) VALUES (?, ?, ?)`,
  // A channel (re)created after retention forgot channels starts at the store's floor: it may be one of them.
  ensureChannel: `INSERT INTO channels (name, pruned_through) VALUES (?, (SELECT forgotten_through FROM retention_floor))
    ON CONFLICT (name) DO NOTHING`,
  findKey: `SELECT messages FROM publish_idempotency WHERE scope = ? AND key = ? AND expires_at > ?`,
  putKey: `INSERT INTO publish_idempotency (scope, key, messages, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope, key) DO UPDATE SET messages = excluded.messages, expires_at = excluded.expires_at`,
  // The next rows in id order, a bounded window: enough for a selection that most messages match.
  window: `SELECT id, channel FROM channel_messages WHERE id > ? ORDER BY id LIMIT ?`,
  // Ids of a sparse selection, from the covering (channel, id) index: one seek per channel.
  indexedIds: `${WANTED}
    SELECT m.id FROM wanted AS w CROSS JOIN channel_messages AS m ON m.channel = w.name AND m.id > :afterId
    ORDER BY m.id LIMIT :limit`,
  byIds: `SELECT id, channel, data, ts FROM channel_messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
  gaps: `${WANTED}
    SELECT c.name FROM wanted AS w CROSS JOIN channels AS c ON c.name = w.name
    WHERE c.pruned_through > :afterId ORDER BY c.name`,
  unknownNames: `SELECT value AS name FROM json_each(:names) AS n WHERE NOT EXISTS (SELECT 1 FROM channels WHERE name = n.value)`,
  forgottenThrough: `SELECT forgotten_through AS id FROM retention_floor`,
  channelsAfter: `SELECT name FROM channels WHERE name > ? ORDER BY name LIMIT ?`,
  // The id at which a channel's count-based retention starts deleting (the (max+1)-th newest).
  countFloor: `SELECT id FROM channel_messages WHERE channel = ? ORDER BY id DESC LIMIT 1 OFFSET ?`,
  doomedMax: `SELECT max(id) AS id, count(*) AS n FROM channel_messages WHERE channel = ? AND (id <= ? OR ts < ?)`,
  deleteDoomed: `DELETE FROM channel_messages WHERE channel = ? AND (id <= ? OR ts < ?)`,
  raiseFloor: `UPDATE channels SET pruned_through = max(pruned_through, ?) WHERE name = ?`,
  hasMessages: `SELECT 1 FROM channel_messages WHERE channel = ? LIMIT 1`,
  forget: `UPDATE retention_floor SET forgotten_through = max(forgotten_through, coalesce((SELECT pruned_through FROM channels WHERE name = ?), 0))`,
  deleteChannel: `DELETE FROM channels WHERE name = ?`,
  dropExpiredKeys: `DELETE FROM publish_idempotency WHERE expires_at <= ?`,
} as const

/** The window walked in id order before seeking by channel: `limit` times this, at least the minimum. */
const DENSE_WINDOW_FACTOR = 4
const DENSE_WINDOW_MIN = 256
/** Channels pruned per transaction by `prune(null)`; the event loop gets a turn between batches. */
const PRUNE_BATCH = 200

interface MessageRow {
  id: number
  channel: string
  data: string
  ts: number
}

type Idempotency = { key: string; expiresAt: number }

const toMessage = (row: MessageRow): ChannelMessage => ({
  id: row.id,
  channel: row.channel,
  data: JSON.parse(row.data) as unknown,
  ts: row.ts,
})

/** Channel messages in SQLite. */
export class SqliteMessageStore implements MessageStore {
  readonly #db: Database
  readonly #ownsDb: boolean
  readonly #stmt: { [K in keyof typeof MESSAGE_STORE_SQL]: Statement }
  readonly #appendTransaction: (channels: string[], dataJson: string, ts: number, idempotency?: Idempotency) => AppendOutcome
  readonly #pruneTransaction: (channels: readonly string[], policyFor: (channel: string) => RetentionPolicy, now: number) => number

  readonly #durable: (() => Promise<void>) | undefined
  /** The first id of each append still waiting for its sync, in id order: `since` stops before the first. */
  readonly #undurable = new Set<number>()

  /**
   * Use a shared database (its owner closes it), or open one from options (closed by `close()`).
   * `durable`: how to wait until commits survive a power cut, when they do not by themselves.
   */
  constructor(source: Database | SqliteOptions, options: SqliteStoreOptions = {}) {
    const { db, owned } = resolveDatabase(source)
    this.#db = db
    this.#ownsDb = owned
    this.#durable = options.durable
    this.#stmt = Object.fromEntries(Object.entries(MESSAGE_STORE_SQL).map(([key, sql]) => [key, db.prepare(sql)])) as {
      [K in keyof typeof MESSAGE_STORE_SQL]: Statement
    }

    this.#appendTransaction = db.transaction((channels: string[], dataJson: string, ts: number, idempotency?: Idempotency) => {
      const scope = idempotencyScope(channels)
      if (idempotency) {
        const seen = this.#stmt.findKey.get(scope, idempotency.key, ts) as { messages: string } | undefined
        if (seen) return { messages: JSON.parse(seen.messages) as ChannelMessage[], duplicate: true }
      }
      const data: unknown = JSON.parse(dataJson)
      const messages = channels.map((channel) => {
        this.#stmt.ensureChannel.run(channel)
        const id = Number(this.#stmt.insertMessage.run(channel, dataJson, ts).lastInsertRowid)
        return { id, channel, data, ts }
      })
      if (idempotency) this.#stmt.putKey.run(scope, idempotency.key, JSON.stringify(messages), idempotency.expiresAt)
      return { messages, duplicate: false }
    })

    this.#pruneTransaction = db.transaction((channels: readonly string[], policyFor: (channel: string) => RetentionPolicy, now: number) => {
      let deleted = 0
      for (const name of channels) {
        const policy = policyFor(name)
        const floor = (this.#stmt.countFloor.get(name, policy.maxMessages) as { id: number } | undefined)?.id ?? 0
        const cutoff = now - policy.maxAgeMs
        const doomed = this.#stmt.doomedMax.get(name, floor, cutoff) as { id: number | null; n: number }
        if (doomed.n > 0 && doomed.id !== null) {
          this.#stmt.deleteDoomed.run(name, floor, cutoff)
          this.#stmt.raiseFloor.run(doomed.id, name)
          deleted += doomed.n
        }
        // Nothing left to read: keep only what gap detection needs, the store-wide floor.
        if (this.#stmt.hasMessages.get(name) === undefined) {
          this.#stmt.forget.run(name)
          this.#stmt.deleteChannel.run(name)
        }
      }
      this.#stmt.dropExpiredKeys.run(now)
      reclaimFreePages(db)
      return deleted
    })
  }

  async append(channels: string[], dataJson: string, ts: number, idempotency?: Idempotency): Promise<AppendOutcome> {
    const outcome = this.#appendTransaction(channels, dataJson, ts, idempotency)
    if (!this.#durable) return outcome
    // Publishes that commit while the disk syncs share the next sync (see LogSync). A duplicate waits
    // too: the publish it repeats may still be waiting for its own.
    const first = outcome.duplicate ? undefined : outcome.messages[0]?.id
    if (first === undefined) return { ...outcome, durable: this.#durable() }
    this.#undurable.add(first)
    return { ...outcome, durable: this.#durable().finally(() => this.#undurable.delete(first)) }
  }

  async since(selector: ChannelSelector, afterId: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<ChannelMessage[]> {
    // Two ways to find the next `limit` selected ids, each cheap where the other is not: walking ids
    // in order stops early when the selection is dense (`room:*` on a server of rooms), seeking each
    // selected channel in the (channel, id) index costs only what matches when it is sparse (one
    // user's channel among millions of messages). A bounded window of the walk decides which.
    const windowSize = Math.max(DENSE_WINDOW_MIN, limit * DENSE_WINDOW_FACTOR)
    const window = this.#stmt.window.all(afterId, windowSize) as Array<{ id: number; channel: string }>
    const names = new Set(selector.names)
    const selected = (channel: string): boolean => names.has(channel) || selector.prefixes.some((prefix) => channel.startsWith(prefix))
    let ids = window.filter((row) => selected(row.channel)).map((row) => row.id)
    if (ids.length < limit && window.length === windowSize) {
      const params = { afterId: window.at(-1)!.id, limit: limit - ids.length, ...this.#selectorParams(selector) }
      ids = ids.concat(this.#stmt.indexedIds.pluck().all(params) as number[])
    }
    // Nothing that a power cut could still take back: it reaches listeners once it is durable.
    const undurable = this.#undurable.values().next()
    if (!undurable.done) ids = ids.filter((id) => id < undurable.value)
    if (ids.length === 0) return []
    // Rows are read one at a time and no further once `maxBytes` is reached: the rest stay on disk.
    const page: ChannelMessage[] = []
    let bytes = 0
    for (const row of this.#stmt.byIds.iterate(JSON.stringify(ids.slice(0, limit))) as IterableIterator<MessageRow>) {
      page.push(toMessage(row))
      bytes += row.data.length
      if (bytes >= maxBytes) break
    }
    return page
  }

  async gaps(selector: ChannelSelector, afterId: number): Promise<string[]> {
    const params = this.#selectorParams(selector)
    const gapped = (this.#stmt.gaps.all({ afterId, ...params }) as Array<{ name: string }>).map((row) => row.name)
    const forgottenThrough = (this.#stmt.forgottenThrough.get() as { id: number }).id
    if (afterId >= forgottenThrough) return gapped
    const unknown = (this.#stmt.unknownNames.all({ names: params.names }) as Array<{ name: string }>).map((row) => row.name)
    return gapsPastForgotten(gapped, unknown, selector)
  }

  async prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    if (channel !== null) return this.#pruneTransaction([channel], policyFor, now)
    // Every channel, in batches by name, each its own short transaction, so a store with many
    // channels never holds the event loop (and the writer lock) for long.
    let deleted = 0
    let after = ''
    for (;;) {
      if (!this.#db.open) break
      const batch = (this.#stmt.channelsAfter.all(after, PRUNE_BATCH) as Array<{ name: string }>).map((row) => row.name)
      if (batch.length === 0 && after !== '') break
      deleted += this.#pruneTransaction(batch, policyFor, now)
      if (batch.length < PRUNE_BATCH) break
      after = batch.at(-1)!
      await new Promise((resolve) => setImmediate(resolve))
    }
    return deleted
  }

  async close(): Promise<void> {
    if (this.#ownsDb && this.#db.open) this.#db.close()
  }

  #selectorParams(selector: ChannelSelector): { names: string; prefixes: string } {
    return { names: JSON.stringify(selector.names), prefixes: JSON.stringify(selector.prefixes) }
  }
}

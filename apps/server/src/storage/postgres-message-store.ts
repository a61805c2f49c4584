/**
 * {@link MessageStore} on PostgreSQL, shared by every node of a cluster. Each append and each prune
 * locks the one `message_counter` row first and holds it until it commits, so they run one at a time
 * across all nodes: ids are handed out in commit order (a reader never finds a smaller id committed
 * behind one it has seen), an idempotency key is checked and stored without a race, and retention
 * never forgets a channel an append is writing to. Committed means as durable as the pool's `synchronous_commit` makes it.
 */
import type pg from 'pg'

import {
  type AppendOutcome,
  type ChannelMessage,
  type ChannelSelector,
  gapsPastForgotten,
  idempotencyScope,
  type MessageStore,
  type RetentionPolicy,
  selects,
} from './message-store.js'
import { inTransaction, type WriteFence } from './postgres-database.js'

/** A selected channel: one of the names (`$n::text[]`), or a match of one of the LIKE patterns. */
const selected = (column: string, names: string, patterns: string): string =>
  `(${column} = ANY(${names}::text[]) OR ${column} LIKE ANY(${patterns}::text[]))`

const SQL = {
  lockCounter: `SELECT last_id AS "lastId" FROM message_counter WHERE id = 1 FOR UPDATE`,
  lastId: `SELECT last_id AS "lastId" FROM message_counter WHERE id = 1`,
  // Every channel's message in one statement (the counter lock is held meanwhile): channels created
  // (a channel (re)created after retention forgot channels starts at the store's floor: it may be one
  // of them), the counter moved on, the messages numbered in channel order after `$2`.
  appendAll: `WITH appended (name, position) AS (SELECT * FROM unnest($1::text[]) WITH ORDINALITY),
      known AS (
        INSERT INTO channels (name, pruned_through)
        SELECT DISTINCT name, (SELECT forgotten_through FROM retention_floor WHERE id = 1) FROM appended
        ON CONFLICT (name) DO NOTHING
      ),
      counted AS (UPDATE message_counter SET last_id = $2 + (SELECT count(*) FROM appended) WHERE id = 1)
    INSERT INTO channel_messages (id, channel, data, ts) SELECT $2 + position, name, $3, $4 FROM appended`,
  findKey: `SELECT messages FROM publish_idempotency WHERE scope = $1 AND key = $2 AND expires_at > $3`,
  putKey: `INSERT INTO publish_idempotency (scope, key, messages, expires_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (scope, key) DO UPDATE SET messages = EXCLUDED.messages, expires_at = EXCLUDED.expires_at`,
  // The next rows in id order, a bounded window: enough for a selection that most messages match.
  window: `SELECT id, channel FROM channel_messages WHERE id > $1 ORDER BY id LIMIT $2`,
  // Ids of a sparse selection: the selected channels (names, and the known channels in each prefix's
  // byte range), then one seek per channel on (channel, id).
  indexedIds: `WITH wanted (name) AS (
      SELECT unnest($2::text[])
      UNION
      SELECT c.name FROM unnest($3::text[]) AS p (prefix) CROSS JOIN channels AS c
        WHERE c.name COLLATE "C" >= p.prefix AND c.name COLLATE "C" < p.prefix || chr(127)
    )
    SELECT m.id FROM wanted AS w
      CROSS JOIN LATERAL (SELECT id FROM channel_messages WHERE channel = w.name AND id > $1 ORDER BY id LIMIT $4) AS m
    ORDER BY m.id LIMIT $4`,
  byIds: `SELECT id, channel, data, ts FROM channel_messages WHERE id = ANY($1::bigint[]) ORDER BY id`,
  gaps: `SELECT name FROM channels WHERE pruned_through > $1 AND ${selected('name', '$2', '$3')} ORDER BY name COLLATE "C"`,
  unknownNames: `SELECT n.name FROM unnest($1::text[]) AS n (name) WHERE NOT EXISTS (SELECT 1 FROM channels AS c WHERE c.name = n.name)`,
  forgottenThrough: `SELECT forgotten_through AS id FROM retention_floor WHERE id = 1`,
  channelsAfter: `SELECT name FROM channels WHERE name COLLATE "C" > $1 ORDER BY name COLLATE "C" LIMIT $2`,
  // The id at which a channel's count-based retention starts deleting (the (max+1)-th newest).
  countFloor: `SELECT id FROM channel_messages WHERE channel = $1 ORDER BY id DESC LIMIT 1 OFFSET $2`,
  deleteDoomed: `WITH doomed AS (DELETE FROM channel_messages WHERE channel = $1 AND (id <= $2 OR ts < $3) RETURNING id)
    SELECT max(id) AS id, count(*)::integer AS n FROM doomed`,
  raiseFloor: `UPDATE channels SET pruned_through = greatest(pruned_through, $1) WHERE name = $2`,
  hasMessages: `SELECT 1 FROM channel_messages WHERE channel = $1 LIMIT 1`,
  forget: `UPDATE retention_floor SET forgotten_through = greatest(forgotten_through,
    coalesce((SELECT pruned_through FROM channels WHERE name = $1), 0)) WHERE id = 1`,
  deleteChannel: `DELETE FROM channels WHERE name = $1`,
  dropExpiredKeys: `DELETE FROM publish_idempotency WHERE expires_at <= $1`,
} as const

/** The window walked in id order before seeking by channel: `limit` times this, at least the minimum. */
const DENSE_WINDOW_FACTOR = 4
const DENSE_WINDOW_MIN = 256
/** Channels pruned per transaction by `prune(null)`: appends wait for the counter lock meanwhile. */
const PRUNE_BATCH = 200

type Idempotency = { key: string; expiresAt: number }

interface MessageRow {
  id: number
  channel: string
  data: string
  ts: number
}

/** A prefix as a LIKE pattern that matches exactly the names starting with it. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/** Channel messages in PostgreSQL, through a pool from `openPostgres`, which its opener ends. */
export class PostgresMessageStore implements MessageStore {
  readonly #pool: pg.Pool
  readonly #fence: WriteFence | undefined

  /** `fence`: checked first in every write (see {@link WriteFence}); none for a store that is alone on its schema. */
  constructor(pool: pg.Pool, fence?: WriteFence) {
    this.#pool = pool
    this.#fence = fence
  }

  async append(channels: string[], dataJson: string, ts: number, idempotency?: Idempotency): Promise<AppendOutcome> {
    const data: unknown = JSON.parse(dataJson)
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      const { lastId } = (await client.query<{ lastId: number }>(SQL.lockCounter)).rows[0]!
      const scope = idempotencyScope(channels)
      if (idempotency) {
        const seen = await client.query<{ messages: string }>(SQL.findKey, [scope, idempotency.key, ts])
        if (seen.rows[0]) return { messages: JSON.parse(seen.rows[0].messages) as ChannelMessage[], duplicate: true }
      }
      await client.query(SQL.appendAll, [channels, lastId, dataJson, ts])
      const messages: ChannelMessage[] = channels.map((channel, index) => ({ id: lastId + index + 1, channel, data, ts }))
      if (idempotency) await client.query(SQL.putKey, [scope, idempotency.key, JSON.stringify(messages), idempotency.expiresAt])
      return { messages, duplicate: false }
    })
  }

  /** The id of the last message committed, by any node. */
  async lastId(): Promise<number> {
    return (await this.#pool.query<{ lastId: number }>(SQL.lastId)).rows[0]!.lastId
  }

  async since(selector: ChannelSelector, afterId: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<ChannelMessage[]> {
    // Two ways to find the next `limit` selected ids, each cheap where the other is not (as in the
    // SQLite store): walking ids in order stops early when the selection is dense (`room:*` on a
    // server of rooms); seeking each selected channel costs only what matches when it is sparse (one
    // user's channel among millions of messages). A bounded window of the walk decides which. Ids
    // follow commit order, so whatever commits between the two reads comes after the window.
    const windowSize = Math.max(DENSE_WINDOW_MIN, limit * DENSE_WINDOW_FACTOR)
    const window = (await this.#pool.query<{ id: number; channel: string }>(SQL.window, [afterId, windowSize])).rows
    let ids = window.filter((row) => selects(selector, row.channel)).map((row) => row.id)
    if (ids.length < limit && window.length === windowSize) {
      const params = [window.at(-1)!.id, selector.names, selector.prefixes, limit - ids.length]
      ids = ids.concat((await this.#pool.query<{ id: number }>(SQL.indexedIds, params)).rows.map((row) => row.id))
    }
    if (ids.length === 0) return []
    const { rows } = await this.#pool.query<MessageRow>(SQL.byIds, [ids.slice(0, limit)])
    const page: ChannelMessage[] = []
    let bytes = 0
    for (const row of rows) {
      page.push({ id: row.id, channel: row.channel, data: JSON.parse(row.data) as unknown, ts: row.ts })
      bytes += row.data.length
      if (bytes >= maxBytes) break
    }
    return page
  }

  async gaps(selector: ChannelSelector, afterId: number): Promise<string[]> {
    return inTransaction(this.#pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const gapped = (await client.query<{ name: string }>(SQL.gaps, [afterId, selector.names, selector.prefixes.map(likePrefix)])).rows
      const { id: forgottenThrough } = (await client.query<{ id: number }>(SQL.forgottenThrough)).rows[0]!
      const names = gapped.map((row) => row.name)
      if (afterId >= forgottenThrough) return names
      const unknown = (await client.query<{ name: string }>(SQL.unknownNames, [selector.names])).rows.map((row) => row.name)
      return gapsPastForgotten(names, unknown, selector)
    })
  }

  async prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    if (channel !== null) return this.#pruneChannels([channel], policyFor, now)
    let deleted = 0
    let after = ''
    for (;;) {
      const batch = (await this.#pool.query<{ name: string }>(SQL.channelsAfter, [after, PRUNE_BATCH])).rows.map((row) => row.name)
      deleted += await this.#pruneChannels(batch, policyFor, now)
      if (batch.length < PRUNE_BATCH) break
      after = batch.at(-1)!
    }
    return deleted
  }

  /** Nothing to release: the pool is its opener's to end. */
  async close(): Promise<void> {}

  /** Apply retention to `channels` and drop expired keys, in one transaction under the counter lock. */
  #pruneChannels(channels: readonly string[], policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    return inTransaction(this.#pool, async (client) => {
      await this.#fence?.check(client)
      await client.query(SQL.lockCounter)
      let deleted = 0
      for (const name of channels) {
        const policy = policyFor(name)
        const floor = (await client.query<{ id: number }>(SQL.countFloor, [name, policy.maxMessages])).rows[0]?.id ?? 0
        const doomed = (await client.query<{ id: number | null; n: number }>(SQL.deleteDoomed, [name, floor, now - policy.maxAgeMs]))
          .rows[0]!
        if (doomed.n > 0 && doomed.id !== null) {
          await client.query(SQL.raiseFloor, [doomed.id, name])
          deleted += doomed.n
        }
        // Nothing left to read: keep only what gap detection needs, the store-wide floor.
        if ((await client.query(SQL.hasMessages, [name])).rowCount === 0) {
          await client.query(SQL.forget, [name])
          await client.query(SQL.deleteChannel, [name])
        }
      }
      await client.query(SQL.dropExpiredKeys, [now])
      return deleted
    })
  }
}

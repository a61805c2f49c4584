/** {@link MessageStore} on SQLite, sharing Tandem's database with the document store. */
import type { Statement } from 'better-sqlite3'
import type { AppendOutcome, ChannelMessage, ChannelSelector, MessageStore, RetentionPolicy } from './message-store.js'
import { type Database, resolveDatabase, type SqliteOptions } from './sqlite-database.js'

// Prefix matching uses substr, not LIKE: channel names may contain "_", a LIKE wildcard.
const SELECTED = `(channel IN (SELECT value FROM json_each(:names))
  OR EXISTS (SELECT 1 FROM json_each(:prefixes) p WHERE substr(channel, 1, length(p.value)) = p.value))`

const SQL = {
  insertMessage: `INSERT INTO channel_messages (channel, data, ts) VALUES (?, ?, ?)`,
  ensureChannel: `INSERT INTO channels (name) VALUES (?) ON CONFLICT (name) DO NOTHING`,
  findKey: `SELECT messages FROM publish_idempotency WHERE key = ? AND expires_at > ?`,
  putKey: `INSERT INTO publish_idempotency (key, messages, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET messages = excluded.messages, expires_at = excluded.expires_at`,
  since: `SELECT id, channel, data, ts FROM channel_messages WHERE id > :afterId AND ${SELECTED} ORDER BY id LIMIT :limit`,
  gaps: `SELECT name FROM channels WHERE pruned_through > :afterId AND (name IN (SELECT value FROM json_each(:names))
    OR EXISTS (SELECT 1 FROM json_each(:prefixes) p WHERE substr(name, 1, length(p.value)) = p.value)) ORDER BY name`,
  allChannels: `SELECT name FROM channels`,
  // The id at which a channel's count-based retention starts deleting (the (max+1)-th newest).
  countFloor: `SELECT id FROM channel_messages WHERE channel = ? ORDER BY id DESC LIMIT 1 OFFSET ?`,
  doomedMax: `SELECT max(id) AS id, count(*) AS n FROM channel_messages WHERE channel = ? AND (id <= ? OR ts < ?)`,
  deleteDoomed: `DELETE FROM channel_messages WHERE channel = ? AND (id <= ? OR ts < ?)`,
  raiseFloor: `UPDATE channels SET pruned_through = max(pruned_through, ?) WHERE name = ?`,
  dropExpiredKeys: `DELETE FROM publish_idempotency WHERE expires_at <= ?`,
} as const

interface MessageRow {
  id: number
  channel: string
  data: string
  ts: number
}

const toMessage = (row: MessageRow): ChannelMessage => ({ id: row.id, channel: row.channel, data: JSON.parse(row.data) as unknown, ts: row.ts })

/** Channel messages in SQLite. */
export class SqliteMessageStore implements MessageStore {
  readonly #db: Database
  readonly #ownsDb: boolean
  readonly #stmt: { [K in keyof typeof SQL]: Statement }
  readonly #appendTransaction: (channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }) => AppendOutcome
  readonly #pruneTransaction: (channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number) => number

  /** Use a shared database (its owner closes it), or open one from options (closed by `close()`). */
  constructor(source: Database | SqliteOptions) {
    const { db, owned } = resolveDatabase(source)
    this.#db = db
    this.#ownsDb = owned
    this.#stmt = Object.fromEntries(Object.entries(SQL).map(([key, sql]) => [key, db.prepare(sql)])) as {
      [K in keyof typeof SQL]: Statement
    }

    this.#appendTransaction = db.transaction((channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }) => {
      if (idempotency) {
        const seen = this.#stmt.findKey.get(idempotency.key, ts) as { messages: string } | undefined
        if (seen) return { messages: JSON.parse(seen.messages) as ChannelMessage[], duplicate: true }
      }
      const data: unknown = JSON.parse(dataJson)
      const messages = channels.map((channel) => {
        this.#stmt.ensureChannel.run(channel)
        const id = Number(this.#stmt.insertMessage.run(channel, dataJson, ts).lastInsertRowid)
        return { id, channel, data, ts }
      })
      if (idempotency) this.#stmt.putKey.run(idempotency.key, JSON.stringify(messages), idempotency.expiresAt)
      return { messages, duplicate: false }
    })

    this.#pruneTransaction = db.transaction((channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number) => {
      const channels = channel === null ? (this.#stmt.allChannels.all() as Array<{ name: string }>).map((row) => row.name) : [channel]
      let deleted = 0
      for (const name of channels) {
        const policy = policyFor(name)
        const floor = (this.#stmt.countFloor.get(name, policy.maxMessages) as { id: number } | undefined)?.id ?? 0
        const cutoff = now - policy.maxAgeMs
        const doomed = this.#stmt.doomedMax.get(name, floor, cutoff) as { id: number | null; n: number }
        if (doomed.n === 0 || doomed.id === null) continue
        this.#stmt.deleteDoomed.run(name, floor, cutoff)
        this.#stmt.raiseFloor.run(doomed.id, name)
        deleted += doomed.n
      }
      this.#stmt.dropExpiredKeys.run(now)
      return deleted
    })
  }

  async append(channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }): Promise<AppendOutcome> {
    return this.#appendTransaction(channels, dataJson, ts, idempotency)
  }

  async since(selector: ChannelSelector, afterId: number, limit: number): Promise<ChannelMessage[]> {
    const rows = this.#stmt.since.all({ afterId, limit, ...this.#selectorParams(selector) }) as MessageRow[]
    return rows.map(toMessage)
  }

  async gaps(selector: ChannelSelector, afterId: number): Promise<string[]> {
    return (this.#stmt.gaps.all({ afterId, ...this.#selectorParams(selector) }) as Array<{ name: string }>).map((row) => row.name)
  }

  async prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    return this.#pruneTransaction(channel, policyFor, now)
  }

  async close(): Promise<void> {
    if (this.#ownsDb && this.#db.open) this.#db.close()
  }

  #selectorParams(selector: ChannelSelector): { names: string; prefixes: string } {
    return { names: JSON.stringify(selector.names), prefixes: JSON.stringify(selector.prefixes) }
  }
}

/**
 * The notification hub: publish to channels, listen for new messages, read history. It stores every
 * message before any listener hears of it, and dispatches in id order. It knows nothing about Yjs,
 * rooms or transports; rooms, the HTTP API and the Redis bridge publish into it.
 */
import { isValidChannelName, type ServerChannelFrame } from '@tandem/protocol'

import type { Logger } from '../logger.js'
import { type AppendOutcome, type ChannelMessage, type MessageStore, type RetentionPolicy, selectorFor } from '../storage/message-store.js'

/** Options of a {@link NotificationHub}. */
export interface NotificationHubOptions {
  store: MessageStore
  logger: Logger
  /** How much history `channel` keeps. */
  retentionFor: (channel: string) => RetentionPolicy
  /** How long an idempotency key is remembered. Default five minutes. */
  idempotencyTtlMs?: number
  /** Clock, for tests. */
  now?: () => number
  /**
   * On a cluster, other nodes publish into the same store: the hub then dispatches what it reads back
   * from the store, in id order, whoever committed it (see {@link NotificationHub.catchUp}), and
   * tells the others after each of its own commits.
   */
  cluster?: HubCluster
}

/** What a hub on a cluster needs from it. */
export interface HubCluster {
  /** The id of the last message committed by any node. */
  lastId(): Promise<number>
  /** Tell the other nodes that messages up to `lastId` are committed. */
  announce(lastId: number): void
}

/** Messages read per store query while catching up. */
const CATCH_UP_PAGE = 500
/** Every channel: what a hub on a cluster reads back. */
const EVERY_CHANNEL = { names: [], prefixes: [''] }

/** What {@link NotificationHub.publish} did. */
export interface PublishResult {
  /** Message id per channel. */
  ids: Record<string, number>
  /** True when the idempotency key was already used on the same channels: nothing was published now. */
  duplicate: boolean
}

/** Thrown by {@link NotificationHub.publish} for a channel name that is not valid. */
export class InvalidChannelError extends Error {
  override name = 'InvalidChannelError'
}

type Listener = (message: ChannelMessage) => void

/** Channels whose publishes since their last prune are counted at once. */
const MAX_PRUNE_COUNTERS = 10_000

/** Counters for metrics. */
export interface HubCounters {
  published: number
  delivered: number
}

/** Publish/subscribe with durable, resumable history. */
export class NotificationHub {
  readonly #options: NotificationHubOptions
  readonly #listeners = new Set<{ matches: (channel: string) => boolean; listener: Listener }>()
  readonly #now: () => number
  /** Publishes commit one at a time, so that id order is publish order... */
  #committed: Promise<unknown> = Promise.resolve()
  /** ...and are dispatched in that order, once durable. */
  #dispatched: Promise<unknown> = Promise.resolve()
  /** Publishes per channel since its count-based retention last ran (bounded: see #pruneAmortized). */
  readonly #sincePrune = new Map<string, number>()
  /** Each message's frame, serialized once however many subscribers receive it. */
  readonly #encoded = new WeakMap<ChannelMessage, { frame: ServerChannelFrame; json: string }>()
  readonly counters: HubCounters = { published: 0, delivered: 0 }
  /** On a cluster: the last id dispatched (`null` until {@link startFollowing}), the catch-up running and the one queued behind it. */
  #lastDispatched: number | null = null
  #catchingUp: Promise<void> | null = null
  #nextCatchUp: Promise<void> | null = null
  #stopped = false

  constructor(options: NotificationHubOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** On a cluster: start from the last message committed now; what commits later is dispatched. */
  async startFollowing(): Promise<void> {
    if (!this.#options.cluster || this.#lastDispatched !== null) return
    this.#lastDispatched = await this.#options.cluster.lastId()
  }

  /**
   * On a cluster: dispatch, in id order, every message committed since the last one dispatched, by
   * any node. Ids follow commit order across nodes (see `PostgresMessageStore`), so a message read
   * now can never be followed by a smaller id committed later: each is dispatched exactly once.
   * Resolves once a read that started after the call is done. Never rejects.
   */
  catchUp(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    if (!this.#catchingUp) {
      this.#catchingUp = this.#readAndDispatch()
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'reading channel messages of other nodes failed; retrying'))
        .finally(() => {
          this.#catchingUp = null
        })
      return this.#catchingUp
    }
    this.#nextCatchUp ??= this.#catchingUp.then(() => {
      this.#nextCatchUp = null
      return this.catchUp()
    })
    return this.#nextCatchUp
  }

  /** Stop reading other nodes' messages, once the read in progress is done (before the store closes). */
  async stopFollowing(): Promise<void> {
    this.#stopped = true
    await this.#nextCatchUp
    await this.#catchingUp
  }

  async #readAndDispatch(): Promise<void> {
    const cluster = this.#options.cluster
    if (!cluster) return
    if (this.#lastDispatched === null) await this.startFollowing()
    if (this.#listeners.size === 0) {
      // Nobody to hand them to: skip ahead, so a later listener hears only what is new then. Only if
      // still nobody listens once the id is read: a listener that came meanwhile may have read its
      // history before some of those messages committed, and must get them live.
      const last = await cluster.lastId()
      if (this.#listeners.size === 0) {
        this.#lastDispatched = Math.max(this.#lastDispatched!, last)
        return
      }
    }
    while (!this.#stopped) {
      const page = await this.#options.store.since(EVERY_CHANNEL, this.#lastDispatched!, CATCH_UP_PAGE)
      for (const message of page) {
        this.#lastDispatched = message.id
        this.#dispatch(message)
      }
      if (page.length < CATCH_UP_PAGE) return
    }
  }

  /**
   * Store `data` on every channel in `channels`, then hand it to listeners.
   * @throws {InvalidChannelError} for a bad channel name, before anything is stored.
   * @example
   * const { ids } = await hub.publish(['news'], { title: 'Release 1.0' })
   */
  publish(channels: readonly string[], data: unknown, options: { idempotencyKey?: string } = {}): Promise<PublishResult> {
    const unique = [...new Set(channels)]
    const bad = unique.find((channel) => !isValidChannelName(channel))
    if (unique.length === 0) return Promise.reject(new InvalidChannelError('at least one channel is required'))
    if (bad !== undefined) return Promise.reject(new InvalidChannelError(`invalid channel name: ${JSON.stringify(bad.slice(0, 60))}`))
    let dataJson: string
    try {
      dataJson = JSON.stringify(data === undefined ? null : data)
    } catch (error) {
      // A value nested too deeply for the stack (publishers check MAX_PUBLISH_DEPTH first): a caller
      // inside an event listener must get a rejection, never a synchronous throw.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    const commit = async (): Promise<AppendOutcome> => {
      const now = this.#now()
      const idempotency = options.idempotencyKey
        ? { key: options.idempotencyKey, expiresAt: now + (this.#options.idempotencyTtlMs ?? 5 * 60_000) }
        : undefined
      const outcome = await this.#options.store.append(unique, dataJson, now, idempotency)
      if (!outcome.duplicate) for (const channel of unique) await this.#pruneAmortized(channel, now)
      return outcome
    }
    // Commits run one at a time, so ids follow publish order; the wait for the disk (power-safe
    // stores) runs beside the next commits, and dispatch follows commit order.
    const committed = this.#committed.then(commit, commit)
    this.#committed = committed.catch(() => undefined)
    const durable = committed.then(async (outcome) => {
      await outcome.durable
      return outcome
    })
    const result = Promise.all([this.#dispatched, durable]).then(async ([, outcome]): Promise<PublishResult> => {
      if (!outcome.duplicate) {
        this.counters.published += outcome.messages.length
        const cluster = this.#options.cluster
        if (cluster) {
          // Read back with whatever other nodes committed before it, so every node dispatches in one order.
          await this.catchUp()
          cluster.announce(Math.max(...outcome.messages.map((message) => message.id)))
        } else {
          for (const message of outcome.messages) this.#dispatch(message)
        }
      }
      return { ids: Object.fromEntries(outcome.messages.map((m) => [m.channel, m.id])), duplicate: outcome.duplicate }
    })
    this.#dispatched = result.catch(() => undefined)
    return result
  }

  /** Call `listener` with every new message on a channel that `matches`. Returns the unsubscribe function. */
  on(matches: (channel: string) => boolean, listener: Listener): () => void {
    const entry = { matches, listener }
    this.#listeners.add(entry)
    return () => this.#listeners.delete(entry)
  }

  /** Stored messages on `patterns` after `afterId`, oldest first: at most `limit`, and about `maxBytes` of data (see {@link MessageStore.since}). */
  history(patterns: readonly string[], afterId: number, limit: number, maxBytes?: number): Promise<ChannelMessage[]> {
    return this.#options.store.since(selectorFor(patterns), afterId, limit, maxBytes)
  }

  /** The channels among `patterns` whose history no longer reaches back to `afterId`. */
  gaps(patterns: readonly string[], afterId: number): Promise<string[]> {
    return this.#options.store.gaps(selectorFor(patterns), afterId)
  }

  /** Apply age-based retention to every channel. Run periodically. */
  async pruneAll(): Promise<number> {
    return this.#options.store.prune(null, this.#options.retentionFor, this.#now())
  }

  /** The message frame of `message` and its JSON, computed once per message. */
  encoded(message: ChannelMessage): { frame: ServerChannelFrame; json: string } {
    let encoded = this.#encoded.get(message)
    if (!encoded) {
      const frame: ServerChannelFrame = { type: 'message', channel: message.channel, id: message.id, data: message.data, ts: message.ts }
      encoded = { frame, json: JSON.stringify(frame) }
      this.#encoded.set(message, encoded)
    }
    return encoded
  }

  /**
   * Count-based retention is a transaction of its own, so it runs once every tenth of a channel's
   * limit (every publish for small limits): a channel keeps at least its limit and at most 10% more.
   * The counters are forgotten when too many channels have one (a channel published to once would
   * otherwise hold its counter forever); that only delays a prune to the periodic `pruneAll`.
   */
  async #pruneAmortized(channel: string, now: number): Promise<void> {
    const every = Math.max(1, Math.floor(this.#options.retentionFor(channel).maxMessages / 10))
    const count = (this.#sincePrune.get(channel) ?? 0) + 1
    if (count < every) {
      if (!this.#sincePrune.has(channel) && this.#sincePrune.size >= MAX_PRUNE_COUNTERS) this.#sincePrune.clear()
      this.#sincePrune.set(channel, count)
      return
    }
    this.#sincePrune.delete(channel)
    await this.#options.store.prune(channel, this.#options.retentionFor, now)
  }

  /** Channels with a publish counter for amortized retention; never more than a fixed bound. */
  get pruneCounterCount(): number {
    return this.#sincePrune.size
  }

  /** Number of live listeners. */
  get listenerCount(): number {
    return this.#listeners.size
  }

  #dispatch(message: ChannelMessage): void {
    for (const { matches, listener } of this.#listeners) {
      if (!matches(message.channel)) continue
      try {
        listener(message)
        this.counters.delivered++
      } catch (error) {
        this.#options.logger.error({ err: error, channel: message.channel }, 'notification listener failed')
      }
    }
  }
}

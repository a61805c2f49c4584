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
}

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

  constructor(options: NotificationHubOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
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
    const result = Promise.all([this.#dispatched, durable]).then(([, outcome]): PublishResult => {
      if (!outcome.duplicate) {
        this.counters.published += outcome.messages.length
        for (const message of outcome.messages) this.#dispatch(message)
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

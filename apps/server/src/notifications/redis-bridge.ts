/**
 * The Redis `PUBLISH` bridge: any backend that can talk to Redis notifies Tandem's subscribers with
 * `PUBLISH tandem:<channel> <payload>`. The server `PSUBSCRIBE`s `<prefix>*` and republishes each
 * message on `<channel>` through the hub (so it is stored, numbered and resumable like any other).
 * A payload that parses as JSON is delivered as JSON, otherwise as a string. If Redis goes away, or
 * is not there yet when the server starts, the server keeps serving; ioredis reconnects with our
 * backoff and the bridge subscribes again on every new connection.
 */
import { createRequire } from 'node:module'

import { isValidChannelName } from '@tandem/protocol'
import type * as Ioredis from 'ioredis'
import type { Redis } from 'ioredis'

import type { Logger } from '../logger.js'
import { jsonDepthProblem } from './json-depth.js'
import type { NotificationHub } from './notification-hub.js'

/**
 * Connection state, reported by `/api/health`. `ready` means connected *and* pattern-subscribed:
 * messages published now are heard. `subscribing` is connected with the `PSUBSCRIBE` not yet
 * acknowledged (or refused, e.g. by an ACL, and being retried).
 */
export type RedisBridgeState = 'connecting' | 'subscribing' | 'ready' | 'reconnecting' | 'closed'

/** Options of a {@link RedisBridge}. */
export interface RedisBridgeOptions {
  url: string
  prefix: string
  hub: NotificationHub
  logger: Logger
  /** Largest payload accepted, in bytes; larger messages are dropped with a warning. */
  maxPayloadBytes: number
  /** Deepest JSON nesting accepted; deeper messages are dropped with a warning. */
  maxPayloadDepth: number
  /**
   * Whether this node stores what it hears now. On a cluster every node hears each `PUBLISH`, and
   * one of them (the holder of a lease) stores it; the others listen, ready to take over.
   */
  republishes?: () => boolean
}

/** What happened to bridged messages, for metrics and tests. */
export interface RedisBridgeCounters {
  /** Messages stored and delivered through the hub. */
  republished: number
  /** Messages refused or lost, for any reason (bad channel name, too large, too deep, hub failure). */
  dropped: number
  /** Of `dropped`: JSON nested deeper than `maxPayloadDepth`. */
  tooDeep: number
}

/** Exponential backoff from 250 ms to 10 s, with full jitter, so many servers do not reconnect in step. */
export function redisRetryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(10_000, 250 * 2 ** Math.min(attempt, 16))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/**
 * ioredis, loaded with the first bridge: a server without `REDIS_URL` never needs it, and it is
 * ~7 MiB of resident memory.
 */
const loadIoredis = (): typeof Ioredis => createRequire(import.meta.url)('ioredis') as typeof Ioredis

/** Escape Redis glob characters so the prefix matches literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`)
}

/** Republishes Redis messages on Tandem channels. */
export class RedisBridge {
  readonly #options: RedisBridgeOptions
  readonly #client: Redis
  readonly #pattern: string
  #state: RedisBridgeState = 'connecting'
  /** Pending retry of a `PSUBSCRIBE` that Redis refused while the connection stayed up. */
  #subscribeRetry: NodeJS.Timeout | null = null
  #subscribeAttempts = 0
  readonly counters: RedisBridgeCounters = { republished: 0, dropped: 0, tooDeep: 0 }

  constructor(options: RedisBridgeOptions) {
    this.#options = options
    this.#pattern = `${globEscape(options.prefix)}*`
    const { Redis: RedisClient } = loadIoredis()
    this.#client = new RedisClient(options.url, {
      retryStrategy: (attempt) => redisRetryDelay(attempt),
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
      // We subscribe on every 'ready' ourselves: ioredis only re-subscribes what a previous connection
      // had, so a server started while Redis was down would never subscribe at all.
      autoResubscribe: false,
      lazyConnect: true,
      connectionName: `tandem-bridge:${options.prefix}`,
    })
    // Every listener below is guarded: ioredis rethrows a listener's exception from its socket
    // handler, and that takes the whole process down.
    this.#client.on('ready', () => this.#guarded('subscribing', () => this.#subscribe()))
    this.#client.on('close', () => this.#guarded('handling a closed connection', () => this.#disconnected()))
    this.#client.on('reconnecting', () => this.#guarded('reconnecting', () => this.#disconnected()))
    this.#client.on('end', () => this.#guarded('handling the end of the connection', () => this.#ended()))
    this.#client.on('error', (error: Error) => {
      if (this.#state !== 'reconnecting') this.#guarded('logging', () => options.logger.warn({ err: error }, 'Redis bridge error'))
    })
    this.#client.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) =>
      this.#guarded('republishing a message', () => this.#republish(channel, payload)),
    )
  }

  /** The connection state. */
  get state(): RedisBridgeState {
    return this.#state
  }

  /**
   * Connect; the bridge subscribes on every connection that becomes ready. Resolves once connected,
   * or rejects after the first failure (retries go on in the background).
   */
  async start(): Promise<void> {
    await this.#client.connect()
  }

  /** Unsubscribe and disconnect. */
  async close(): Promise<void> {
    this.#state = 'closed'
    this.#clearSubscribeRetry()
    this.#client.disconnect()
  }

  #subscribe(): void {
    this.#clearSubscribeRetry()
    if (this.#state === 'closed') return
    this.#state = 'subscribing'
    const { logger, prefix } = this.#options
    this.#client.psubscribe(this.#pattern).then(
      () => {
        // The acknowledgement came over the live connection, so the subscription is active on it.
        if (this.#state === 'closed' || this.#client.status !== 'ready') return
        this.#subscribeAttempts = 0
        if (this.#state !== 'ready') logger.info({ prefix }, 'Redis bridge subscribed')
        this.#state = 'ready'
      },
      (error: unknown) => {
        if (this.#state === 'closed' || this.#client.status !== 'ready') return // The next 'ready' subscribes again.
        // Connected but refused (an ACL without PSUBSCRIBE, say): retry with backoff, and stay not-ready.
        const delay = redisRetryDelay(++this.#subscribeAttempts)
        logger.error({ err: error, prefix, retryInMs: delay }, 'Redis bridge could not subscribe; retrying')
        this.#subscribeRetry = setTimeout(() => this.#guarded('subscribing', () => this.#subscribe()), delay)
        this.#subscribeRetry.unref()
      },
    )
  }

  #disconnected(): void {
    this.#clearSubscribeRetry()
    if (this.#state === 'closed') return
    if (this.#state === 'ready') this.#options.logger.warn('Redis bridge lost its connection; reconnecting')
    this.#state = 'reconnecting'
  }

  /** ioredis gave up on the connection without being asked to: start over, with backoff. */
  #ended(): void {
    if (this.#state === 'closed') return
    this.#disconnected()
    const delay = redisRetryDelay(++this.#subscribeAttempts)
    this.#options.logger.warn({ retryInMs: delay }, 'Redis bridge connection ended; connecting again')
    this.#subscribeRetry = setTimeout(() => {
      if (this.#state !== 'closed') this.#client.connect().catch(() => undefined) // Failures go through 'error' and 'end'.
    }, delay)
    this.#subscribeRetry.unref()
  }

  #clearSubscribeRetry(): void {
    if (this.#subscribeRetry) clearTimeout(this.#subscribeRetry)
    this.#subscribeRetry = null
  }

  /** Run `work` from an ioredis listener; whatever goes wrong is logged, never thrown into ioredis. */
  #guarded(doing: string, work: () => void): void {
    try {
      work()
    } catch (error) {
      try {
        this.#options.logger.error({ err: error }, `Redis bridge failed while ${doing}`)
      } catch {
        // Nothing is left to report with; swallowing is still better than exiting.
      }
    }
  }

  #republish(rawChannel: Buffer, payload: Buffer): void {
    const { prefix, hub, logger, maxPayloadBytes, maxPayloadDepth, republishes } = this.#options
    if (republishes && !republishes()) return
    const channel = rawChannel.toString('utf8').slice(prefix.length)
    if (!isValidChannelName(channel)) {
      this.counters.dropped++
      logger.warn({ channel: channel.slice(0, 80) }, 'Redis message dropped: invalid channel name')
      return
    }
    if (payload.byteLength > maxPayloadBytes) {
      this.counters.dropped++
      logger.warn({ channel, bytes: payload.byteLength }, 'Redis message dropped: payload over the limit')
      return
    }
    const text = payload.toString('utf8')
    let data: unknown = text
    try {
      data = JSON.parse(text)
    } catch {
      // Not JSON: deliver the text as a string.
    }
    const tooDeep = jsonDepthProblem(data, maxPayloadDepth)
    if (tooDeep) {
      this.counters.dropped++
      this.counters.tooDeep++
      logger.warn(
        { channel, bytes: payload.byteLength, maxDepth: maxPayloadDepth },
        `Redis message dropped: ${tooDeep} (MAX_PUBLISH_DEPTH)`,
      )
      return
    }
    hub.publish([channel], data).then(
      () => this.counters.republished++,
      (error: unknown) => {
        this.counters.dropped++
        logger.error({ err: error, channel }, 'Redis message could not be published')
      },
    )
  }
}

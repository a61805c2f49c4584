/**
 * The Redis `PUBLISH` bridge: any backend that can talk to Redis notifies Tandem's subscribers with
 * `PUBLISH tandem:<channel> <payload>`. The server `PSUBSCRIBE`s `<prefix>*` and republishes each
 * message on `<channel>` through the hub (so it is stored, numbered and resumable like any other).
 * A payload that parses as JSON is delivered as JSON, otherwise as a string. If Redis goes away the
 * server keeps serving; ioredis reconnects with our backoff and re-subscribes.
 */
import { isValidChannelName } from '@tandem/protocol'
import { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import type { NotificationHub } from './notification-hub.js'

/** Connection state, reported by `/api/health`. */
export type RedisBridgeState = 'connecting' | 'ready' | 'reconnecting' | 'closed'

/** Options of a {@link RedisBridge}. */
export interface RedisBridgeOptions {
  url: string
  prefix: string
  hub: NotificationHub
  logger: Logger
  /** Largest payload accepted, in bytes; larger messages are dropped with a warning. */
  maxPayloadBytes: number
}

/** Exponential backoff from 250 ms to 10 s, with full jitter, so many servers do not reconnect in step. */
export function redisRetryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(10_000, 250 * 2 ** Math.min(attempt, 16))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** Escape Redis glob characters so the prefix matches literally. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`)
}

/** Republishes Redis messages on Tandem channels. */
export class RedisBridge {
  readonly #options: RedisBridgeOptions
  readonly #client: Redis
  #state: RedisBridgeState = 'connecting'
  /** Messages republished and dropped, for health and metrics. */
  readonly counters = { republished: 0, dropped: 0 }

  constructor(options: RedisBridgeOptions) {
    this.#options = options
    this.#client = new Redis(options.url, {
      retryStrategy: (attempt) => redisRetryDelay(attempt),
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
      autoResubscribe: true,
      lazyConnect: true,
      connectionName: `tandem-bridge:${options.prefix}`,
    })
    this.#client.on('ready', () => {
      if (this.#state !== 'ready') options.logger.info({ prefix: options.prefix }, 'Redis bridge subscribed')
      this.#state = 'ready'
    })
    this.#client.on('reconnecting', () => {
      if (this.#state === 'ready') options.logger.warn('Redis bridge lost its connection; reconnecting')
      this.#state = 'reconnecting'
    })
    this.#client.on('error', (error: Error) => {
      if (this.#state !== 'reconnecting') options.logger.warn({ err: error }, 'Redis bridge error')
    })
    this.#client.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => this.#republish(channel, payload))
  }

  /** The connection state. */
  get state(): RedisBridgeState {
    return this.#state
  }

  /** Connect and subscribe. Resolves once subscribed, or rejects after the first failure (retries go on). */
  async start(): Promise<void> {
    await this.#client.connect()
    await this.#client.psubscribe(`${globEscape(this.#options.prefix)}*`)
  }

  /** Unsubscribe and disconnect. */
  async close(): Promise<void> {
    this.#state = 'closed'
    this.#client.disconnect()
  }

  #republish(rawChannel: Buffer, payload: Buffer): void {
    const { prefix, hub, logger, maxPayloadBytes } = this.#options
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
    hub.publish([channel], data).then(
      () => this.counters.republished++,
      (error: unknown) => {
        this.counters.dropped++
        logger.error({ err: error, channel }, 'Redis message could not be published')
      },
    )
  }
}

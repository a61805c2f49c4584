/**
 * The cluster's Redis connections: one subscribed to the channels of the rooms this node has loaded
 * and to the control channel, one for publishing and for the node directory's keys (a subscribed
 * Redis connection can do nothing else). Redis pub/sub delivers at most once: while a connection is
 * down, messages are lost, so whoever relies on them reconciles from the store when the bus is
 * ready again (`onReady`). Malformed or oversized messages are dropped and counted, never thrown.
 */
import { createRequire } from 'node:module'

import type * as Ioredis from 'ioredis'
import type { Redis } from 'ioredis'

import type { Logger } from '../logger.js'
import { redisRetryDelay } from '../notifications/redis-bridge.js'
import { type ClusterMessage, decodeClusterMessage, encodeClusterMessage } from './cluster-message.js'

/** `ready`: both connections up and every channel subscribed; anything else is degraded. */
export type ClusterBusState = 'connecting' | 'ready' | 'reconnecting' | 'closed'

export interface ClusterBusOptions {
  url: string
  /** Prefix of every channel and key of this cluster, e.g. `tandem-cluster:mydb.public:`. */
  prefix: string
  nodeId: string
  logger: Logger
  /** Largest message accepted from the channels, in bytes. */
  maxMessageBytes: number
  /** A message from another node on a room's channel. */
  onRoomMessage(room: string, message: ClusterMessage): void
  /** A message from another node on the control channel. */
  onControlMessage(message: ClusterMessage): void
  /** Every channel is subscribed again after the bus was not ready: messages may have been missed. */
  onReady(): void
}

export interface ClusterBusCounters {
  published: number
  received: number
  /** Malformed, oversized, or on a channel the bus did not subscribe to. */
  dropped: number
  /** Publishes that failed (Redis down): receivers reconcile from the store. */
  publishFailed: number
}

const loadIoredis = (): typeof Ioredis => createRequire(import.meta.url)('ioredis') as typeof Ioredis

export class ClusterBus {
  readonly #options: ClusterBusOptions
  readonly #sub: Redis
  readonly #pub: Redis
  readonly #rooms = new Set<string>()
  readonly #roomPrefix: string
  readonly #control: string
  #state: ClusterBusState = 'connecting'
  /** Bumped on every (re)connection of the subscriber; a subscribe acknowledged on an older one counts for nothing. */
  #generation = 0
  readonly counters: ClusterBusCounters = { published: 0, received: 0, dropped: 0, publishFailed: 0 }

  constructor(options: ClusterBusOptions) {
    this.#options = options
    this.#roomPrefix = `${options.prefix}doc:`
    this.#control = `${options.prefix}control`
    const { Redis: RedisClient } = loadIoredis()
    const common = {
      retryStrategy: (attempt: number) => redisRetryDelay(attempt),
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
      lazyConnect: true,
      // Commands while disconnected fail at once: a publish that cannot go out is reconciled later,
      // and must not pile up in memory.
      enableOfflineQueue: false,
    }
    this.#sub = new RedisClient(options.url, { ...common, autoResubscribe: false, connectionName: `tandem-cluster-sub:${options.nodeId}` })
    this.#pub = new RedisClient(options.url, { ...common, connectionName: `tandem-cluster:${options.nodeId}` })
    for (const client of [this.#sub, this.#pub]) {
      client.on('ready', () => this.#guarded(() => this.#connected()))
      client.on('close', () => this.#guarded(() => this.#lost()))
      client.on('error', (error: Error) => {
        if (this.#state === 'ready') this.#guarded(() => options.logger.warn({ err: error }, 'cluster Redis connection error'))
      })
      client.on('end', () => this.#guarded(() => this.#reconnectLater(client)))
    }
    this.#sub.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.#guarded(() => this.#received(channel, payload)))
  }

  get state(): ClusterBusState {
    return this.#state
  }

  /** The connection for plain commands (the node directory's keys); fails fast while down. */
  get commands(): Redis {
    return this.#pub
  }

  async start(): Promise<void> {
    await Promise.all([this.#sub.connect(), this.#pub.connect()])
  }

  /**
   * Listen to `room`'s channel. Resolves once subscribed, or at once while Redis is down (the
   * subscription is made, and the room reconciled, when it is back).
   */
  async subscribeRoom(room: string): Promise<void> {
    this.#rooms.add(room)
    if (this.#state !== 'ready') return
    await this.#sub.subscribe(this.#roomPrefix + room).catch(() => undefined)
  }

  unsubscribeRoom(room: string): void {
    if (!this.#rooms.delete(room) || this.#state !== 'ready') return
    this.#sub.unsubscribe(this.#roomPrefix + room).catch(() => undefined)
  }

  /** Publish on `room`'s channel; `false` when it could not go out (Redis down). */
  publishToRoom(room: string, message: ClusterMessage): Promise<boolean> {
    return this.#publish(this.#roomPrefix + room, message)
  }

  publishControl(message: ClusterMessage): Promise<boolean> {
    return this.#publish(this.#control, message)
  }

  async close(): Promise<void> {
    this.#state = 'closed'
    this.#sub.disconnect()
    this.#pub.disconnect()
  }

  async #publish(channel: string, message: ClusterMessage): Promise<boolean> {
    if (this.#pub.status !== 'ready') {
      this.counters.publishFailed++
      return false
    }
    try {
      await this.#pub.publish(channel, Buffer.from(encodeClusterMessage(message)))
      this.counters.published++
      return true
    } catch {
      this.counters.publishFailed++
      return false
    }
  }

  #connected(): void {
    if (this.#state === 'closed' || this.#sub.status !== 'ready' || this.#pub.status !== 'ready') return
    const generation = ++this.#generation
    const channels = [this.#control, ...[...this.#rooms].map((room) => this.#roomPrefix + room)]
    this.#sub.subscribe(...channels).then(
      () => {
        if (generation !== this.#generation || this.#state === 'closed' || this.#sub.status !== 'ready') return
        const was = this.#state
        this.#state = 'ready'
        if (was === 'reconnecting') this.#options.logger.info('cluster Redis connection is back; reconciling rooms from storage')
        this.#options.onReady()
      },
      (error: unknown) => {
        if (generation === this.#generation)
          this.#options.logger.error({ err: error }, 'cluster could not subscribe; retrying on reconnection')
        this.#sub.disconnect(true)
      },
    )
  }

  #lost(): void {
    if (this.#state === 'closed') return
    this.#generation++
    if (this.#state === 'ready') this.#options.logger.warn('cluster Redis connection lost: serving local clients only until it is back')
    this.#state = this.#state === 'connecting' ? 'connecting' : 'reconnecting'
  }

  /** ioredis gave up on a connection: start it again, with backoff. */
  #reconnectLater(client: Redis): void {
    if (this.#state === 'closed') return
    this.#lost()
    setTimeout(() => {
      if (this.#state !== 'closed' && client.status === 'end') client.connect().catch(() => undefined)
    }, redisRetryDelay(3)).unref()
  }

  #received(rawChannel: Buffer, payload: Buffer): void {
    if (payload.byteLength > this.#options.maxMessageBytes) {
      this.counters.dropped++
      return
    }
    const channel = rawChannel.toString('utf8')
    let message: ClusterMessage
    try {
      message = decodeClusterMessage(payload)
    } catch (error) {
      this.counters.dropped++
      this.#options.logger.warn({ err: error, channel: channel.slice(0, 120) }, 'cluster message dropped: malformed')
      return
    }
    if (message.node === this.#options.nodeId) return
    this.counters.received++
    if (channel === this.#control) this.#options.onControlMessage(message)
    else if (channel.startsWith(this.#roomPrefix) && this.#rooms.has(channel.slice(this.#roomPrefix.length)))
      this.#options.onRoomMessage(channel.slice(this.#roomPrefix.length), message)
    else this.counters.dropped++
  }

  /** Run `work` from an ioredis listener: ioredis rethrows a listener's exception from its socket handler. */
  #guarded(work: () => void): void {
    try {
      work()
    } catch (error) {
      try {
        this.#options.logger.error({ err: error }, 'cluster message handling failed')
      } catch {
        // Nothing left to report with.
      }
    }
  }
}

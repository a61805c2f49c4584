/**
 * One subscriber's view of the hub, whatever carries its frames (`/api/events` WebSocket, SSE, or
 * channel frames on a document socket). It owns the resume seam: on `subscribe` with `since`, it
 * starts buffering live messages, replays stored history after `since`, then drains the buffer,
 * skipping ids it already sent — no gap and no duplicate where history meets live.
 */
import {
  ChannelErrorCode,
  ChannelFrameError,
  channelMatches,
  parseClientChannelFrame,
  type ServerChannelFrame,
} from '@tandem/protocol'
import type { Logger } from '../logger.js'
import type { ChannelMessage } from '../storage/message-store.js'
import type { NotificationHub } from './notification-hub.js'

/** Options of a {@link ChannelSession}. */
export interface ChannelSessionOptions {
  hub: NotificationHub
  logger: Logger
  /**
   * Deliver one frame to the subscriber. `json` is the frame already serialized; for message frames it
   * is computed once per message and shared by every subscriber.
   */
  send: (frame: ServerChannelFrame, json: string) => void
  /** Most patterns one session may hold. */
  maxSubscriptions: number
  /** May this subscriber subscribe to `pattern`? Defaults to yes. */
  authorize?: (pattern: string) => boolean | Promise<boolean>
  /** Messages read per history query during a replay. */
  replayPageSize?: number
}

interface Subscription {
  pattern: string
  /** While history is replayed, live messages wait here. */
  buffer: ChannelMessage[] | null
  /** Highest id sent for this pattern; nothing at or below it is sent again. */
  lastId: number
}

/** How many recent ids are remembered to avoid sending a message twice through overlapping patterns. */
const RECENT_IDS = 1024

/** A subscriber's subscriptions and the frames owed to it. */
export class ChannelSession {
  readonly #options: ChannelSessionOptions
  readonly #subscriptions = new Map<string, Subscription>()
  readonly #recent = new Set<number>()
  #unlisten: (() => void) | null = null
  #closed = false

  constructor(options: ChannelSessionOptions) {
    this.#options = options
  }

  /** Patterns currently subscribed. */
  get patterns(): string[] {
    return [...this.#subscriptions.keys()]
  }

  /** Handle one client frame (JSON text). Problems are answered with an error frame, never thrown. */
  async handleText(json: string): Promise<void> {
    let frame
    try {
      frame = parseClientChannelFrame(json)
    } catch (error) {
      if (!(error instanceof ChannelFrameError)) throw error
      this.#send({ type: 'error', code: error.code, message: error.message })
      return
    }
    if (frame.type === 'subscribe') await this.subscribe(frame.channels, frame.since)
    else this.unsubscribe(frame.channels)
  }

  /**
   * Subscribe to `patterns` (already validated). With `since`, first replay every stored message after
   * that id, announcing a `gap` for each channel whose history no longer reaches back that far.
   */
  async subscribe(patterns: readonly string[], since?: number): Promise<void> {
    const fresh = patterns.filter((pattern) => !this.#subscriptions.has(pattern))
    if (this.#subscriptions.size + fresh.length > this.#options.maxSubscriptions) {
      this.#send({
        type: 'error',
        code: ChannelErrorCode.TooManySubscriptions,
        message: `a connection may hold at most ${this.#options.maxSubscriptions} subscriptions`,
      })
      return
    }
    const allowed: string[] = []
    for (const pattern of fresh) {
      if (await (this.#options.authorize?.(pattern) ?? true)) allowed.push(pattern)
      else this.#send({ type: 'error', code: ChannelErrorCode.Forbidden, message: `not allowed to subscribe to ${pattern}` })
    }
    if (this.#closed) return
    const added = allowed.map((pattern) => {
      const subscription: Subscription = { pattern, buffer: since === undefined ? null : [], lastId: since ?? 0 }
      this.#subscriptions.set(pattern, subscription)
      return subscription
    })
    this.#listen()
    if (since !== undefined && added.length > 0) {
      try {
        await this.#replay(added, since)
      } catch (error) {
        this.#options.logger.error({ err: error }, 'replaying channel history failed')
        for (const subscription of added) this.#subscriptions.delete(subscription.pattern)
        this.#send({ type: 'error', code: ChannelErrorCode.Internal, message: 'could not read channel history; subscribe again' })
        return
      }
    }
    const confirmed = patterns.filter((pattern) => this.#subscriptions.has(pattern))
    if (confirmed.length > 0) this.#send({ type: 'subscribed', channels: confirmed })
  }

  /** Stop receiving `patterns`. */
  unsubscribe(patterns: readonly string[]): void {
    for (const pattern of patterns) this.#subscriptions.delete(pattern)
    if (this.#subscriptions.size === 0) this.#stopListening()
    this.#send({ type: 'unsubscribed', channels: [...patterns] })
  }

  /** Drop every subscription; nothing is sent afterwards. */
  close(): void {
    this.#closed = true
    this.#subscriptions.clear()
    this.#stopListening()
  }

  async #replay(added: Subscription[], since: number): Promise<void> {
    const patterns = added.map((s) => s.pattern)
    for (const channel of await this.#options.hub.gaps(patterns, since)) this.#send({ type: 'gap', channel })
    const pageSize = this.#options.replayPageSize ?? 500
    let cursor = since
    for (;;) {
      const page = await this.#options.hub.history(patterns, cursor, pageSize)
      for (const message of page) {
        for (const subscription of added) {
          if (channelMatches(subscription.pattern, message.channel)) this.#deliver(subscription, message)
        }
        cursor = message.id
      }
      if (page.length < pageSize || this.#closed) break
    }
    for (const subscription of added) {
      const buffered = subscription.buffer ?? []
      subscription.buffer = null
      for (const message of buffered) this.#deliver(subscription, message)
    }
  }

  #listen(): void {
    this.#unlisten ??= this.#options.hub.on(
      (channel) => this.#matchesAny(channel),
      (message) => {
        for (const subscription of this.#subscriptions.values()) {
          if (!channelMatches(subscription.pattern, message.channel)) continue
          if (subscription.buffer) subscription.buffer.push(message)
          else this.#deliver(subscription, message)
        }
      },
    )
  }

  #stopListening(): void {
    this.#unlisten?.()
    this.#unlisten = null
  }

  #matchesAny(channel: string): boolean {
    for (const pattern of this.#subscriptions.keys()) if (channelMatches(pattern, channel)) return true
    return false
  }

  #deliver(subscription: Subscription, message: ChannelMessage): void {
    if (message.id <= subscription.lastId) return
    subscription.lastId = message.id
    if (this.#recent.has(message.id)) return
    this.#recent.add(message.id)
    if (this.#recent.size > RECENT_IDS) this.#recent.delete(this.#recent.values().next().value!)
    const { frame, json } = this.#options.hub.encoded(message)
    if (!this.#closed) this.#options.send(frame, json)
  }

  #send(frame: ServerChannelFrame): void {
    if (!this.#closed) this.#options.send(frame, JSON.stringify(frame))
  }
}

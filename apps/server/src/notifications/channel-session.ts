/**
 * One subscriber's view of the hub, whatever carries its frames (`/api/events` WebSocket, SSE, or
 * channel frames on a document socket). It owns the resume seam: on `subscribe` with `since`, it
 * starts buffering live messages, replays stored history after `since`, then drains the buffer,
 * skipping ids it already sent — no gap and no duplicate where history meets live.
 *
 * Client frames take effect one at a time, in the order they arrived: each waits until the one before
 * it has produced all its frames (authorization may call a webhook, a replay reads history), so an
 * `unsubscribe` sent right behind its `subscribe` always finds the subscription in place. Few frames
 * may wait; past that the connection is refused with `RateLimited`.
 *
 * A replay goes at its reader's pace: history is read a page at a time, bounded by count and bytes,
 * and the next page only once the transport's buffer has mostly drained, never in the same turn of
 * the event loop. Live messages held back meanwhile are bounded too: when they outgrow half the
 * buffer limit, the subscriptions being replayed end with an error frame naming the id to resume from.
 *
 * It also owns the last line of channel privacy: a wildcard pattern may match private channels
 * (`user:<id>`, `room:<name>`) that its subscriber may not read, so every private channel a wildcard
 * matches is checked by exact name before any message or gap of it goes out, whether it comes from
 * history or live. Frames leave in the order they were produced, even while such a check waits.
 */
import {
  ChannelErrorCode,
  ChannelFrameError,
  channelMatches,
  type ClientChannelFrame,
  CloseCode,
  isPrivateChannel,
  parseClientChannelFrame,
  type ServerChannelFrame,
} from '@tandem/protocol'

import { ConnectionError } from '../errors.js'
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
  /** Most patterns one session may hold, counting those still being authorized. */
  maxSubscriptions: number
  /**
   * May this subscriber read `channel`? Asked for each new pattern, and for each private channel a
   * wildcard matches, by exact name, before the first frame of it is sent. A rejection counts as no.
   */
  authorize: (channel: string) => boolean | Promise<boolean>
  /** Most messages read per history query during a replay. Default 500; a page also ends at 256 KiB of data. */
  replayPageSize?: number
  /** Frames that may wait behind a pending access check before the session gives up. Default 10,000. */
  maxQueuedFrames?: number
  /** Client frames that may wait behind the one being handled; one more is refused with `RateLimited`. Default 64. */
  maxPendingFrames?: number
  /**
   * Bytes sent to the subscriber that its connection has not written out yet (`bufferedAmount`,
   * `writableLength`). A replay waits for this to drain; without it, a replay does not wait.
   */
  bufferedBytes?: () => number
  /**
   * How much may wait for this subscriber, the transport's slow-consumer limit (`MAX_EVENT_BUFFER_BYTES`,
   * `MAX_BUFFERED_BYTES`). A replay runs about half of it ahead of the reader at most, and live
   * messages held back during a replay may take half of it. Default 1 MiB.
   */
  maxBufferedBytes?: number
}

interface Subscription {
  pattern: string
  /** While history is replayed, live messages wait here. */
  buffer: ChannelMessage[] | null
  /** Size of the frames in `buffer`. */
  bufferBytes: number
  /** Highest id sent for this pattern; nothing at or below it is sent again. */
  lastId: number
}

/** A client frame (or the reason it is not one) waiting for the frames before it. */
interface Inbound {
  frame: ClientChannelFrame | ChannelFrameError
  resolve: () => void
  reject: (error: unknown) => void
}

/** A frame on its way out; `check` names a private channel that must be readable first. */
interface Outgoing {
  frame: ServerChannelFrame
  json: string
  check: string | null
}

/** How many recent ids are remembered to avoid sending a message twice through overlapping patterns. */
const RECENT_IDS = 1024
/** Private channels whose access decision is remembered; beyond, the oldest is asked again. */
const REMEMBERED_DECISIONS = 1024
/** Client frames that may wait by default: far more than a client resubscribing or switching views sends at once. */
const MAX_PENDING_FRAMES = 64
/** `maxBufferedBytes` by default: `MAX_EVENT_BUFFER_BYTES`' own default. */
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024
/** Most data a replay reads per page (plus one message): about a millisecond or two to parse, encode and send. */
const MAX_PAGE_BYTES = 256 * 1024
/** Fewest messages a replay asks for per page, however large the last ones were. */
const MIN_PAGE_SIZE = 8
/** Longest pause between two looks at a replay reader's buffer: it drains without telling us. */
const MAX_DRAIN_POLL_MS = 50

/** A subscriber's subscriptions and the frames owed to it. */
export class ChannelSession {
  readonly #options: ChannelSessionOptions
  readonly #subscriptions = new Map<string, Subscription>()
  /** Patterns being authorized: they hold a subscription slot until the answer. */
  readonly #authorizing = new Set<string>()
  readonly #recent = new Set<number>()
  /** Access decisions for private channels matched by wildcards. */
  readonly #readable = new Map<string, boolean | Promise<boolean>>()
  /** Frames queued behind a pending access check, in order; `#head` is the next to go. */
  #queue: Outgoing[] = []
  #head = 0
  #pumping: Promise<void> | null = null
  /** Client frames waiting for the one being handled (`#handling`). */
  #inbox: Inbound[] = []
  #handling = false
  /** Size of the live messages held back by replays in progress. */
  #heldBytes = 0
  #unlisten: (() => void) | null = null
  #closed = false

  constructor(options: ChannelSessionOptions) {
    this.#options = options
  }

  /** Patterns currently subscribed. */
  get patterns(): string[] {
    return [...this.#subscriptions.keys()]
  }

  /**
   * Handle one client frame (JSON text) once every frame before it was handled. Problems with the
   * frame are answered with an error frame. Resolves when it was handled, or dropped by `close`.
   * @throws {ConnectionError} `RateLimited`, as a rejection, when `maxPendingFrames` frames already
   * wait: the session is closed, and the transport closes the connection with that code.
   */
  handleText(json: string): Promise<void> {
    if (this.#closed) return Promise.resolve()
    const max = this.#options.maxPendingFrames ?? MAX_PENDING_FRAMES
    if (this.#inbox.length >= max) {
      this.#options.logger.warn(
        { pending: this.#inbox.length },
        'channel frames arrive faster than they are handled; refusing the connection',
      )
      this.close()
      return Promise.reject(
        new ConnectionError(CloseCode.RateLimited, `more than ${max} channel frames waiting; wait for answers before sending more`),
      )
    }
    let frame: ClientChannelFrame | ChannelFrameError
    try {
      frame = parseClientChannelFrame(json)
    } catch (error) {
      if (!(error instanceof ChannelFrameError)) return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      frame = error
    }
    return new Promise((resolve, reject) => {
      this.#inbox.push({ frame, resolve, reject })
      if (!this.#handling) void this.#handleInbox()
    })
  }

  async #handleInbox(): Promise<void> {
    this.#handling = true
    try {
      for (let next = this.#inbox.shift(); next; next = this.#inbox.shift()) {
        try {
          const { frame } = next
          if (frame instanceof ChannelFrameError) this.#send({ type: 'error', code: frame.code, message: frame.message })
          else if (frame.type === 'subscribe') await this.subscribe(frame.channels, frame.since)
          else this.unsubscribe(frame.channels)
          next.resolve()
        } catch (error) {
          next.reject(error)
        }
      }
    } finally {
      this.#handling = false
    }
  }

  /**
   * Subscribe to `patterns` (already validated). With `since`, first replay every stored message after
   * that id, announcing a `gap` for each channel whose history no longer reaches back that far.
   * Resolves once every frame it produced was handed to `send`. Not ordered with client frames: for
   * a transport's one subscription (SSE); client frames go through {@link handleText}.
   */
  async subscribe(patterns: readonly string[], since?: number): Promise<void> {
    const fresh = patterns.filter((pattern) => !this.#subscriptions.has(pattern) && !this.#authorizing.has(pattern))
    // Slots are taken before the first await: concurrent frames cannot together pass the limit, and
    // each pattern may cost a webhook call, so no more are asked than could ever be held.
    if (this.#subscriptions.size + this.#authorizing.size + fresh.length > this.#options.maxSubscriptions) {
      this.#send({
        type: 'error',
        code: ChannelErrorCode.TooManySubscriptions,
        message: `a connection may hold at most ${this.#options.maxSubscriptions} subscriptions`,
      })
      return
    }
    for (const pattern of fresh) this.#authorizing.add(pattern)
    const allowed: string[] = []
    try {
      for (const pattern of fresh) {
        if (this.#closed) return
        if (await this.#authorized(pattern)) {
          allowed.push(pattern)
          if (!pattern.endsWith('*') && isPrivateChannel(pattern)) this.#remember(pattern, true)
        } else {
          this.#send({ type: 'error', code: ChannelErrorCode.Forbidden, message: `not allowed to subscribe to ${pattern}` })
        }
      }
    } finally {
      for (const pattern of fresh) this.#authorizing.delete(pattern)
    }
    if (this.#closed) return
    const added = allowed.map((pattern) => {
      const subscription: Subscription = { pattern, buffer: since === undefined ? null : [], bufferBytes: 0, lastId: since ?? 0 }
      this.#subscriptions.set(pattern, subscription)
      return subscription
    })
    this.#listen()
    if (since !== undefined && added.length > 0) {
      try {
        await this.#replay(added, since)
      } catch (error) {
        this.#options.logger.error({ err: error }, 'replaying channel history failed')
        for (const subscription of added) this.#drop(subscription)
        if (this.#subscriptions.size === 0) this.#stopListening()
        this.#send({ type: 'error', code: ChannelErrorCode.Internal, message: 'could not read channel history; subscribe again' })
        return
      }
    }
    const confirmed = patterns.filter((pattern) => this.#subscriptions.has(pattern))
    if (confirmed.length > 0) this.#send({ type: 'subscribed', channels: confirmed })
    await this.#flushed()
  }

  /** Stop receiving `patterns`. Not ordered with client frames, like {@link subscribe}. */
  unsubscribe(patterns: readonly string[]): void {
    for (const pattern of patterns) {
      const subscription = this.#subscriptions.get(pattern)
      if (subscription) this.#drop(subscription)
    }
    if (this.#subscriptions.size === 0) this.#stopListening()
    this.#send({ type: 'unsubscribed', channels: [...patterns] })
  }

  /** Drop every subscription and every client frame still waiting; nothing is sent afterwards. */
  close(): void {
    this.#closed = true
    for (const subscription of this.#subscriptions.values()) this.#drop(subscription)
    this.#queue = []
    this.#head = 0
    this.#stopListening()
    const waiting = this.#inbox
    this.#inbox = []
    for (const frame of waiting) frame.resolve()
  }

  async #replay(added: Subscription[], since: number): Promise<void> {
    const patterns = added.map((s) => s.pattern)
    const wildcards = patterns.filter((pattern) => pattern.endsWith('*'))
    for (const channel of await this.#options.hub.gaps(patterns, since)) {
      const frame: ServerChannelFrame = { type: 'gap', channel }
      this.#enqueue(frame, JSON.stringify(frame), this.#needsCheck(channel, wildcards))
    }
    const pageSize = this.#options.replayPageSize ?? 500
    // Read when the reader holds at most a quarter of the limit, then a quarter more (and one message):
    // what waits for it stays near half the limit, far from being cut off as a slow consumer. Pages
    // stay small whatever the limit, so that handling one never holds the event loop for long.
    const quarter = Math.floor(this.#maxBufferedBytes / 4)
    const pageBytes = Math.min(quarter, MAX_PAGE_BYTES)
    let cursor = since
    let limit = pageSize
    for (;;) {
      await this.#readerCaughtUp(quarter)
      // Unsubscribed or ended meanwhile: the rest is not owed any more.
      const live = added.filter((subscription) => this.#subscriptions.get(subscription.pattern) === subscription)
      if (this.#closed || live.length === 0) return
      const page = await this.#options.hub.history(
        live.map((subscription) => subscription.pattern),
        cursor,
        limit,
        pageBytes,
      )
      let bytes = 0
      for (const message of page) {
        for (const subscription of live) {
          if (channelMatches(subscription.pattern, message.channel)) this.#deliver(subscription, message)
        }
        bytes += this.#options.hub.encoded(message).json.length
        cursor = message.id
      }
      // A page waiting on access checks is sent before the next is read, so the queue stays short.
      await this.#flushed()
      // Short of both limits (a frame is longer than its data), the store had nothing more.
      if (page.length < limit && bytes < pageBytes) break
      // Large messages: ask for about as many as fit, or the store looks ahead through hundreds of
      // rows it will not return (a few milliseconds per page).
      limit = bytes >= pageBytes ? Math.min(pageSize, Math.max(MIN_PAGE_SIZE, page.length * 2)) : pageSize
    }
    // The live messages held meanwhile (half the limit at most) go out at once: after the last page
    // was read, so that together they stay under the limit.
    await this.#readerCaughtUp(quarter)
    if (this.#closed) return
    for (const subscription of added) {
      if (this.#subscriptions.get(subscription.pattern) !== subscription) continue
      const buffered = subscription.buffer ?? []
      this.#heldBytes -= subscription.bufferBytes
      subscription.buffer = null
      subscription.bufferBytes = 0
      for (const message of buffered) this.#deliver(subscription, message)
    }
  }

  get #maxBufferedBytes(): number {
    return this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  }

  /**
   * Resolves in a later turn of the event loop (a replay never holds it for more than a page), once
   * the subscriber's connection holds at most `bytes` it has not read, or the session is closed.
   */
  async #readerCaughtUp(bytes: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    // Transports report no drain event of their own: look again, a little later each time.
    for (let wait = 1; !this.#closed && (this.#options.bufferedBytes?.() ?? 0) > bytes; wait = Math.min(wait * 2, MAX_DRAIN_POLL_MS)) {
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  #listen(): void {
    this.#unlisten ??= this.#options.hub.on(
      (channel) => this.#matchesAny(channel),
      (message) => {
        for (const subscription of this.#subscriptions.values()) {
          if (!channelMatches(subscription.pattern, message.channel)) continue
          if (subscription.buffer) this.#hold(subscription, subscription.buffer, message)
          else this.#deliver(subscription, message)
        }
      },
    )
  }

  /** Keep a live message until the replay of `subscription` is done, unless that holds too much. */
  #hold(subscription: Subscription, buffer: ChannelMessage[], message: ChannelMessage): void {
    const bytes = this.#options.hub.encoded(message).json.length
    buffer.push(message)
    subscription.bufferBytes += bytes
    this.#heldBytes += bytes
    if (this.#heldBytes > this.#maxBufferedBytes / 2) this.#fellBehind()
  }

  /**
   * Live messages came faster than a replay's reader took history: rather than hold them without
   * bound, end the subscriptions being replayed (their replay stops at its next page) and say from
   * which id to subscribe again. Subscriptions already live are kept.
   */
  #fellBehind(): void {
    const behind = [...this.#subscriptions.values()].filter((subscription) => subscription.buffer !== null)
    // Every message of these patterns up to here went out (or is queued in order): no gap from there.
    const resumeFrom = Math.min(...behind.map((subscription) => subscription.lastId))
    this.#options.logger.warn(
      { patterns: behind.length, held: this.#heldBytes, resumeFrom },
      'live messages outgrew a channel replay; ending its subscriptions',
    )
    for (const subscription of behind) this.#drop(subscription)
    if (this.#subscriptions.size === 0) this.#stopListening()
    // The patterns are those of the subscribe frame that gets no `subscribed` answer.
    this.#send({
      type: 'error',
      code: ChannelErrorCode.FellBehind,
      message: `fell behind while replaying history; subscribe again with since ${resumeFrom}`,
    })
  }

  /** Forget `subscription`; a replay still running for it delivers nothing more. */
  #drop(subscription: Subscription): void {
    if (this.#subscriptions.get(subscription.pattern) === subscription) this.#subscriptions.delete(subscription.pattern)
    subscription.lastId = Number.POSITIVE_INFINITY
    this.#heldBytes -= subscription.bufferBytes
    subscription.buffer = null
    subscription.bufferBytes = 0
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
    this.#enqueue(frame, json, subscription.pattern.endsWith('*') && isPrivateChannel(message.channel) ? message.channel : null)
  }

  /** The private channel to check before sending a gap on `channel` (a name, or a pattern the store could not resolve). */
  #needsCheck(channel: string, wildcards: readonly string[]): string | null {
    if (channel.endsWith('*') || !isPrivateChannel(channel)) return null
    return wildcards.some((pattern) => channelMatches(pattern, channel)) ? channel : null
  }

  #send(frame: ServerChannelFrame): void {
    this.#enqueue(frame, JSON.stringify(frame), null)
  }

  /** Send now when nothing waits and no check is pending; otherwise queue behind what waits. */
  #enqueue(frame: ServerChannelFrame, json: string, check: string | null): void {
    if (this.#closed) return
    if (this.#pumping === null) {
      const decision = check === null ? true : this.#decision(check)
      if (typeof decision === 'boolean') {
        if (decision) this.#options.send(frame, json)
        return
      }
    }
    if (this.#queue.length - this.#head >= (this.#options.maxQueuedFrames ?? 10_000)) {
      this.#overflow()
      return
    }
    this.#queue.push({ frame, json, check })
    this.#pumping ??= this.#pump()
  }

  async #pump(): Promise<void> {
    try {
      while (this.#head < this.#queue.length && !this.#closed) {
        const next = this.#queue[this.#head]!
        const decision = next.check === null ? true : this.#decision(next.check)
        const allowed = typeof decision === 'boolean' ? decision : await decision
        // Closed, or emptied by an overflow, while the check was pending: `next` is not owed any more.
        if (this.#closed || this.#queue[this.#head] !== next) continue
        this.#head++
        if (allowed) this.#options.send(next.frame, next.json)
      }
    } finally {
      this.#queue = []
      this.#head = 0
      this.#pumping = null
    }
  }

  /** Resolves once every queued frame was sent or dropped. */
  async #flushed(): Promise<void> {
    while (this.#pumping) await this.#pumping
  }

  /**
   * The subscriber cannot be kept in order any more (access checks are far slower than its
   * messages): drop its subscriptions and say so; it resumes with `since` like after a disconnect.
   */
  #overflow(): void {
    this.#options.logger.warn(
      { queued: this.#queue.length - this.#head },
      'channel session fell behind its access checks; dropping its subscriptions',
    )
    // A replay still running holds its subscriptions: make them deliver nothing more.
    for (const subscription of this.#subscriptions.values()) this.#drop(subscription)
    this.#stopListening()
    this.#queue = []
    this.#head = 0
    const frame: ServerChannelFrame = {
      type: 'error',
      code: ChannelErrorCode.FellBehind,
      message: 'fell behind while checking access; subscribe again with since',
    }
    this.#options.send(frame, JSON.stringify(frame))
  }

  async #authorized(channel: string): Promise<boolean> {
    try {
      return await this.#options.authorize(channel)
    } catch (error) {
      this.#options.logger.error({ err: error, channel }, 'channel authorization failed; refusing')
      return false
    }
  }

  /** Whether this subscriber may read private `channel`: a remembered answer, or the pending question. */
  #decision(channel: string): boolean | Promise<boolean> {
    const known = this.#readable.get(channel)
    if (known !== undefined) return known
    let answer: boolean | Promise<boolean>
    try {
      answer = this.#options.authorize(channel)
    } catch (error) {
      this.#options.logger.error({ err: error, channel }, 'channel authorization failed; refusing')
      answer = false
    }
    if (typeof answer !== 'boolean') {
      answer = answer.then(
        (allowed) => {
          this.#remember(channel, allowed)
          return allowed
        },
        (error: unknown) => {
          this.#options.logger.error({ err: error, channel }, 'channel authorization failed; refusing')
          this.#readable.delete(channel)
          return false
        },
      )
    }
    this.#remember(channel, answer)
    return answer
  }

  #remember(channel: string, answer: boolean | Promise<boolean>): void {
    this.#readable.delete(channel)
    this.#readable.set(channel, answer)
    if (this.#readable.size > REMEMBERED_DECISIONS) this.#readable.delete(this.#readable.keys().next().value!)
  }
}

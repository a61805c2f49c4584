/**
 * Subscribe to Tandem notification channels from a browser or Node, without missing messages.
 * The client remembers the last message id it delivered; whenever its carrier (re)opens it
 * subscribes again with `since` = that id, so the server replays what was missed (or announces a gap)
 * and nothing is delivered twice. With `transport: 'auto'` it starts on a WebSocket and falls back to
 * Server-Sent Events when WebSockets cannot connect. Reconnects use jittered exponential backoff.
 *
 * @example
 * const client = new NotificationsClient({ baseUrl: 'http://localhost:8787', channels: ['broadcast'] })
 * client.onMessage((message) => showToast(message.data))
 */
import type { ChannelMessage } from '@tandem/protocol'
import { ChannelErrorCode, type ServerChannelFrame } from '@tandem/protocol'

import { type ChannelTransport, sseTransport, webSocketTransport } from './channel-transports.js'
import { DEFAULT_RECONNECT_POLICY, reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js'

export type { ChannelMessage }

/** `connecting` until the carrier opens, `live` while open, `offline` while waiting to reconnect. */
export type NotificationsStatus = 'connecting' | 'live' | 'offline' | 'closed'

/** Options of a {@link NotificationsClient}. */
export interface NotificationsClientOptions {
  /** Server base URL, `http(s)://host:port`. Not needed with a custom `transport`. */
  baseUrl?: string
  /** Channels (or `prefix*` patterns) to subscribe to from the start. */
  channels?: string[]
  /** `auto` (WebSocket, then SSE if WebSockets fail), `websocket`, `sse`, or a ready carrier. */
  transport?: 'auto' | 'websocket' | 'sse' | ChannelTransport
  /** Resume after this message id on the first connect (e.g. one kept in storage). */
  since?: number
  /** Query parameters, e.g. `{ token }`. */
  params?: Record<string, string>
  /** WebSocket implementation outside browsers, e.g. the `ws` package in Node. */
  WebSocketPolyfill?: typeof WebSocket
  reconnectPolicy?: ReconnectPolicy
  /** Consecutive WebSocket failures (never opened) before `auto` switches to SSE. Default 2. */
  fallbackAfterFailures?: number
  random?: () => number
}

type Listener<T> = (value: T) => void

/** A resumable subscription to notification channels. */
export class NotificationsClient {
  readonly #options: NotificationsClientOptions
  readonly #channels = new Set<string>()
  readonly #messageListeners = new Set<Listener<ChannelMessage>>()
  readonly #gapListeners = new Set<Listener<string>>()
  readonly #statusListeners = new Set<Listener<NotificationsStatus>>()
  readonly #errorListeners = new Set<Listener<{ code: string; message: string }>>()
  #transport: ChannelTransport
  #lastId: number | null
  #status: NotificationsStatus = 'connecting'
  #failures = 0
  #neverOpened = 0
  #timer: ReturnType<typeof setTimeout> | null = null

  constructor(options: NotificationsClientOptions) {
    this.#options = options
    this.#lastId = options.since ?? null
    for (const channel of options.channels ?? []) this.#channels.add(channel)
    const choice = options.transport ?? 'auto'
    this.#transport = typeof choice === 'object' ? choice : choice === 'sse' ? this.#sse() : this.#webSocket()
    this.#open()
  }

  /** Current status. */
  get status(): NotificationsStatus {
    return this.#status
  }

  /** Id of the last message delivered, or `null` before the first. Persist it to resume across page loads. */
  get lastId(): number | null {
    return this.#lastId
  }

  /** Which carrier is in use now. */
  get transportKind(): ChannelTransport['kind'] {
    return this.#transport.kind
  }

  /** Channels subscribed to. */
  get channels(): string[] {
    return [...this.#channels]
  }

  /** Add channels; messages published from now on are delivered. */
  subscribe(channels: readonly string[]): void {
    const fresh = channels.filter((channel) => !this.#channels.has(channel))
    if (fresh.length === 0) return
    for (const channel of fresh) this.#channels.add(channel)
    if (this.#status === 'live' && !this.#transport.send({ type: 'subscribe', channels: fresh })) this.#reopen()
  }

  /** Remove channels. */
  unsubscribe(channels: readonly string[]): void {
    const known = channels.filter((channel) => this.#channels.delete(channel))
    if (known.length === 0) return
    if (this.#status === 'live' && !this.#transport.send({ type: 'unsubscribe', channels: known })) this.#reopen()
  }

  /** Call `listener` with every message, in id order, each once. Returns the unsubscribe function. */
  onMessage(listener: Listener<ChannelMessage>): () => void {
    this.#messageListeners.add(listener)
    return () => this.#messageListeners.delete(listener)
  }

  /** Call `listener` with a channel whose missed messages are no longer all available. */
  onGap(listener: Listener<string>): () => void {
    this.#gapListeners.add(listener)
    return () => this.#gapListeners.delete(listener)
  }

  /** Call `listener` on every status change. */
  onStatus(listener: Listener<NotificationsStatus>): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  /** Call `listener` with error frames from the server (bad channel, forbidden, limits). */
  onError(listener: Listener<{ code: string; message: string }>): () => void {
    this.#errorListeners.add(listener)
    return () => this.#errorListeners.delete(listener)
  }

  /** Stop for good. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#transport.close()
    this.#setStatus('closed')
  }

  #open(): void {
    this.#transport.open(
      {
        onOpen: () => this.#onOpen(),
        onFrame: (frame) => this.#onFrame(frame),
        onClose: (opened) => this.#onClose(opened),
      },
      { channels: this.channels, since: this.#lastId },
    )
  }

  #onOpen(): void {
    this.#failures = 0
    this.#neverOpened = 0
    this.#setStatus('live')
    if (this.#channels.size > 0 && this.#transport.kind !== 'sse') {
      this.#transport.send({ type: 'subscribe', channels: this.channels, ...(this.#lastId !== null ? { since: this.#lastId } : {}) })
    }
  }

  #onFrame(frame: ServerChannelFrame): void {
    switch (frame.type) {
      case 'message':
        // Ids are server-wide and arrive in order; anything at or below the last one was delivered.
        if (this.#lastId !== null && frame.id <= this.#lastId) return
        this.#lastId = frame.id
        for (const listener of this.#messageListeners) listener({ channel: frame.channel, id: frame.id, data: frame.data, ts: frame.ts })
        return
      case 'gap':
        for (const listener of this.#gapListeners) listener(frame.channel)
        return
      case 'error':
        for (const listener of this.#errorListeners) listener({ code: frame.code, message: frame.message })
        // The server dropped subscriptions it could not keep in order: take them up again from the last
        // id received, on a fresh connection, exactly as after a disconnect (SSE cannot send frames).
        if (frame.code === ChannelErrorCode.FellBehind) this.#reopen()
        return
      default:
        return
    }
  }

  #onClose(opened: boolean): void {
    if (this.#status === 'closed') return
    this.#setStatus('offline')
    if (this.#transport.reconnectsItself) return
    if (!opened) this.#neverOpened++
    const fallbackAfter = this.#options.fallbackAfterFailures ?? 2
    if ((this.#options.transport ?? 'auto') === 'auto' && this.#transport.kind === 'websocket' && this.#neverOpened >= fallbackAfter) {
      this.#transport = this.#sse()
      this.#neverOpened = 0
    }
    const delay = reconnectDelay(this.#failures++, this.#options.reconnectPolicy ?? DEFAULT_RECONNECT_POLICY, this.#options.random)
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (this.#status !== 'closed') this.#open()
    }, delay)
  }

  #reopen(): void {
    this.#transport.close()
    this.#setStatus('connecting')
    this.#open()
  }

  #setStatus(status: NotificationsStatus): void {
    if (this.#status === status) return
    this.#status = status
    for (const listener of this.#statusListeners) listener(status)
  }

  #webSocket(): ChannelTransport {
    return webSocketTransport(this.#baseUrl(), this.#options.params, this.#options.WebSocketPolyfill)
  }

  #sse(): ChannelTransport {
    return sseTransport(this.#baseUrl(), this.#options.params)
  }

  #baseUrl(): string {
    if (!this.#options.baseUrl) throw new Error('NotificationsClient needs baseUrl unless a transport is given')
    return this.#options.baseUrl.replace(/\/+$/, '')
  }
}

/**
 * The page's one subscription to notification channels: a `NotificationsClient` that resumes from
 * the browser's stored last id, and that pages can add channel patterns to (`watch`).
 *
 * On the editor page the carrier is the document's own socket, which already follows the network.
 * Elsewhere the feed owns its socket, and Chromium keeps a WebSocket "open" when the network goes
 * away (no FIN ever arrives), so the feed closes the client on the browser's `offline` event and
 * opens a fresh one, resuming after the last id, on `online`, like `DocumentConnection` does.
 */
import {
  type ChannelMessage,
  type ChannelTransport,
  type NetworkSignal,
  NotificationsClient,
  type NotificationsStatus,
} from '@tandem/client'
import { channelMatches } from '@tandem/protocol'

import type { ResumePoint } from './resume-point.js'

/** `idle` until {@link NotificationsFeed.connect}, then the client's status. */
type FeedStatus = NotificationsStatus | 'idle'

/** Options of {@link createNotificationsFeed}. */
export interface NotificationsFeedOptions {
  /** Server base URL for the default carrier, e.g. `location.origin`. */
  baseUrl: string
  /** Channels every page subscribes to. */
  channels: readonly string[]
  resume: ResumePoint
  /** Network loss and return, or `null` to ignore the network. */
  network: NetworkSignal | null
  /** Sign-in for the default carrier in secure mode; a document socket carries its own. */
  token?: string | null
}

/** The page's notification subscription. */
export interface NotificationsFeed {
  readonly status: FeedStatus
  /** Whether {@link connect} was called. */
  readonly connected: boolean
  /**
   * Start receiving. `transport` makes the carrier (called again after a pause); without it the
   * client's `auto` carrier is used (WebSocket, SSE fallback). Later calls do nothing.
   */
  connect(transport?: () => ChannelTransport): void
  /** Also subscribe to `pattern` (e.g. `room:*`) and call `listener` with its messages. */
  watch(pattern: string, listener: (message: ChannelMessage) => void): () => void
  /** Call `listener` with every message of the page's channels, in id order, once. */
  onMessage(listener: (message: ChannelMessage) => void): () => void
  /** Call `listener` with a channel whose missed history is partly gone. */
  onGap(listener: (channel: string) => void): () => void
  onStatus(listener: (status: FeedStatus) => void): () => void
  /** Close the carrier until {@link resume} (page hidden into the back/forward cache, network gone). */
  pause(): void
  /** Open a fresh carrier after {@link pause}, resuming after the last message seen. */
  resume(): void
}

/**
 * The feed of this page. Nothing connects until `connect`.
 * @example
 * const feed = createNotificationsFeed({ baseUrl: location.origin, channels: ['broadcast'], resume, network: browserNetworkSignal() })
 * feed.onMessage((message) => inbox.addMessage(message))
 * feed.connect()
 */
export function createNotificationsFeed(options: NotificationsFeedOptions): NotificationsFeed {
  const watchers = new Map<string, Set<(message: ChannelMessage) => void>>()
  const messageListeners = new Set<(message: ChannelMessage) => void>()
  const gapListeners = new Set<(channel: string) => void>()
  const statusListeners = new Set<(status: FeedStatus) => void>()
  let makeTransport: (() => ChannelTransport) | null = null
  let connected = false
  let client: NotificationsClient | null = null
  let lastId: number | null = null
  let status: FeedStatus = 'idle'
  /** The carrier is a document socket, which `DocumentConnection` closes and reopens with the network. */
  let followsDocument = false

  const setStatus = (next: FeedStatus): void => {
    if (next === status) return
    status = next
    for (const listener of statusListeners) listener(next)
  }
  const channels = (): string[] => [...new Set([...options.channels, ...watchers.keys()])]

  const deliver = (message: ChannelMessage): void => {
    lastId = message.id
    for (const listener of messageListeners) listener(message)
    for (const [pattern, listeners] of watchers) {
      if (channelMatches(pattern, message.channel)) for (const listener of listeners) listener(message)
    }
    // After the listeners: the inbox has stored the message before the browser moves past it.
    options.resume.advance(message.id)
  }

  const open = (): void => {
    const stored = options.resume.load()
    const since = Math.max(stored ?? -1, lastId ?? -1)
    const next = new NotificationsClient({
      baseUrl: options.baseUrl,
      channels: channels(),
      transport: makeTransport ? makeTransport() : 'auto',
      ...(options.token ? { params: { token: options.token } } : {}),
      ...(since >= 0 ? { since } : {}),
    })
    client = next
    followsDocument = next.transportKind === 'document'
    next.onMessage(deliver)
    next.onGap((channel) => {
      for (const listener of gapListeners) listener(channel)
    })
    next.onStatus((clientStatus) => {
      if (client === next) setStatus(clientStatus)
    })
    setStatus(next.status)
  }

  const pause = (): void => {
    if (!client) return
    const current = client
    client = null
    current.close()
    setStatus('offline')
  }
  const resume = (): void => {
    if (connected && !client) open()
  }

  options.network?.subscribe((online) => {
    if (!connected || followsDocument) return
    if (online) resume()
    else pause()
  })

  return {
    get status() {
      return status
    },
    get connected() {
      return connected
    },
    connect(transport) {
      if (connected) return
      connected = true
      makeTransport = transport ?? null
      open()
      if (!followsDocument && options.network?.online === false) pause()
    },
    watch(pattern, listener) {
      let listeners = watchers.get(pattern)
      if (!listeners) {
        listeners = new Set()
        watchers.set(pattern, listeners)
        client?.subscribe([pattern])
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
        if (listeners.size > 0 || watchers.get(pattern) !== listeners) return
        watchers.delete(pattern)
        if (!options.channels.includes(pattern)) client?.unsubscribe([pattern])
      }
    },
    onMessage(listener) {
      messageListeners.add(listener)
      return () => messageListeners.delete(listener)
    },
    onGap(listener) {
      gapListeners.add(listener)
      return () => gapListeners.delete(listener)
    },
    onStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    pause,
    resume,
  }
}

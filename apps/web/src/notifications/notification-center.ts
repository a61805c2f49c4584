/**
 * Notifications on every page: composes the page's channel feed, the inbox kept in the browser, the
 * header bell and the toasts. Messages on the inbox channels go to the inbox; those that are news
 * also pop up as toasts, those replayed from while the page was away are summed up in one toast.
 * Channels a page watches for its own use (the home page's `room:*`) never reach the inbox.
 */
import { browserNetworkSignal, type ChannelMessage, type ChannelTransport } from '@tandem/client'
import { channelMatches, userChannel } from '@tandem/protocol'

import { tokenSubject } from '../session/token-claims.js'
import { createInboxStore, INBOX_STORAGE_KEY, messageKey } from './inbox-store.js'
import { isMissed, missedSummary } from './missed-messages.js'
import { createNotificationBell } from './notification-bell.js'
import { describeNotification } from './notification-text.js'
import { createNotificationsFeed } from './notifications-feed.js'
import { createResumePoint } from './resume-point.js'
import { createToastRegion } from './toast-region.js'

/**
 * Channels whose messages are for the person: `broadcast` reaches everyone. The per-user channel
 * (`user:<id>`: mentions, replies) needs a token, which only secure mode has: see `inboxChannels`.
 */
const PUBLIC_INBOX_CHANNELS: readonly string[] = ['broadcast']

/** The inbox channels of the person signed in with `token`: the public ones, and their own `user:<sub>` in secure mode. */
function inboxChannels(token: string | null): string[] {
  const subject = tokenSubject(token)
  if (subject === null) return [...PUBLIC_INBOX_CHANNELS]
  try {
    return [...PUBLIC_INBOX_CHANNELS, userChannel(subject)]
  } catch {
    // A subject no channel can be named after: the server could not publish to it either.
    return [...PUBLIC_INBOX_CHANNELS]
  }
}

/** Missed messages arrive as a burst when the page resumes; the summary waits for the burst to end. */
const SUMMARY_DELAY_MS = 400

/** What pages do with notifications. */
export interface NotificationCenter {
  /** The header bell with its inbox panel. */
  readonly bell: HTMLElement
  /** Whether {@link connect} was called. */
  readonly connected: boolean
  /**
   * Start receiving, on the carrier `transport` makes (the editor passes its document socket's), or
   * on a connection of its own (WebSocket, SSE fallback) without one. Later calls do nothing.
   */
  connect(transport?: () => ChannelTransport): void
  /** Also subscribe to `pattern` and call `listener` with its messages, e.g. `room:*` for the room list. */
  watch(pattern: string, listener: (message: ChannelMessage) => void): () => void
  /**
   * Call `listener` whenever the subscription (re)opens. A page showing server state re-reads it
   * then: changes made before the subscription was in place were never pushed to it.
   */
  onLive(listener: () => void): () => void
  /**
   * This page is about to publish to an inbox channel itself (the admin's announcement). Its own
   * message still goes to the inbox but pops no toast over the form that sent it: toasts arriving
   * meanwhile wait until `done` names the ids published (`null`: nothing was), then the others show.
   */
  publishing: () => { done(ids: Record<string, number> | null): void }
}

/** Most ids of this page's own messages remembered while their delivery is awaited. */
const MAX_OWN_IDS = 64

/** `localStorage`, or this page's memory when the browser refuses storage. */
function browserStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    return window.localStorage
  } catch {
    const memory = new Map<string, string>()
    return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) }
  }
}

/**
 * Create the notification center of this page and put its toast region into `document.body`;
 * `token` signs its own connection in (secure mode).
 * @example
 * const notifications = mountNotificationCenter(null)
 * header.append(notifications.bell)
 * notifications.connect()
 */
export function mountNotificationCenter(token: string | null): NotificationCenter {
  const openedAt = Date.now()
  const channels = inboxChannels(token)
  /** Whether messages on `channel` are for the inbox (rather than for a page's own use). */
  const isInboxChannel = (channel: string): boolean => channels.some((pattern) => channelMatches(pattern, channel))
  const storage = browserStorage()
  const inbox = createInboxStore({ storage })
  const feed = createNotificationsFeed({
    baseUrl: location.origin,
    channels,
    resume: createResumePoint(storage),
    network: browserNetworkSignal(),
    token,
  })
  const bell = createNotificationBell(inbox)
  const toasts = createToastRegion()
  document.body.append(toasts.element)

  let missed = 0
  let summaryTimer: ReturnType<typeof setTimeout> | null = null
  const showSummary = (): void => {
    summaryTimer = null
    const count = missed
    missed = 0
    // Read meanwhile (e.g. in another tab): nothing left to point at.
    if (count === 0 || inbox.unreadCount === 0) return
    toasts.show({ ...missedSummary(count), level: 'info', action: { label: 'Open inbox', run: () => bell.open() } })
  }

  /** Ids of messages this page published, delivered or not yet: `channel#id`. */
  const own = new Set<string>()
  let publishing = 0
  const held: ChannelMessage[] = []

  const toast = (message: ChannelMessage): void => {
    const described = describeNotification(message.data)
    const href = described.href
    toasts.show({
      ...described,
      ...(href
        ? {
            action: {
              label: 'Open',
              run: () => {
                inbox.markRead(messageKey(message.id))
                location.assign(href)
              },
            },
          }
        : {}),
      // Closing a toast says "seen"; letting it time out does not.
      onDismiss: (byUser) => {
        if (byUser) inbox.markRead(messageKey(message.id))
      },
    })
  }

  feed.onMessage((message) => {
    if (!isInboxChannel(message.channel)) return
    // `null` when another tab of this browser stored it first; this page still shows it.
    inbox.addMessage(message)
    if (own.delete(`${message.channel}#${message.id}`)) return
    if (publishing > 0) {
      held.push(message)
      return
    }
    if (isMissed(message.ts, openedAt, Date.now())) {
      missed++
      if (summaryTimer) clearTimeout(summaryTimer)
      summaryTimer = setTimeout(showSummary, SUMMARY_DELAY_MS)
      return
    }
    toast(message)
  })
  feed.onGap((channel) => {
    if (!isInboxChannel(channel)) return
    inbox.addNotice(channel, 'Some notifications from while you were away are no longer available.', Date.now())
  })
  feed.onStatus((status) => bell.setStatus(status))

  window.addEventListener('storage', (event) => {
    if (event.key === INBOX_STORAGE_KEY || event.key === null) inbox.reload()
  })
  // Leaving the page closes its subscription; a page restored from the back/forward cache resumes.
  window.addEventListener('pagehide', () => feed.pause())
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) feed.resume()
  })

  return {
    bell: bell.element,
    get connected() {
      return feed.connected
    },
    connect: (transport) => feed.connect(transport),
    watch: (pattern, listener) => feed.watch(pattern, listener),
    onLive: (listener) =>
      feed.onStatus((status) => {
        if (status === 'live') listener()
      }),
    publishing: () => {
      publishing++
      let finished = false
      return {
        done(ids) {
          if (finished) return
          finished = true
          publishing--
          const mine = new Set(Object.entries(ids ?? {}).map(([channel, id]) => `${channel}#${id}`))
          const others = held.splice(0).filter((message) => !mine.delete(`${message.channel}#${message.id}`))
          // Another publish still under way may own some of the rest: they wait for it.
          if (publishing > 0) held.push(...others)
          else for (const message of others) toast(message)
          // Not delivered yet: recognise them when they come.
          for (const key of mine) own.add(key)
          while (own.size > MAX_OWN_IDS) own.delete(own.values().next().value!)
        },
      }
    },
  }
}

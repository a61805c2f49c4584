/**
 * The notification inbox of this browser: the last {@link INBOX_LIMIT} notifications, newest first,
 * each read or unread, kept in `localStorage` so it survives reloads and is shared by every tab.
 * Read state lives here, in the browser, because the server keeps no per-reader state for channels.
 *
 * Every change re-reads storage and merges before writing, so two tabs adding at the same time both
 * keep their items; an item is read if any tab marked it read.
 */
import { describeNotification, type NotificationLevel } from './notification-text.js'

/** Notifications kept per browser. */
const INBOX_LIMIT = 100

/** The `localStorage` key of the inbox. */
export const INBOX_STORAGE_KEY = 'tandem.notifications.inbox'

/** One entry of the inbox. */
export interface InboxItem {
  /** Unique within the inbox: `m<id>` for a channel message, `n<channel>@<ts>` for a notice. */
  key: string
  /** The channel message id, or `null` for a notice made by this page (e.g. a gap). */
  id: number | null
  channel: string
  /** When it was published (notices: noticed), ms since the epoch. */
  ts: number
  title: string | null
  text: string
  /** `notice` marks the app's own remarks, such as "older notifications are no longer available". */
  level: NotificationLevel | 'notice'
  read: boolean
  /** Where opening it leads (a comment in a document); absent in items stored by older versions. */
  href?: string | null
}

/** A delivered channel message, as `NotificationsClient` reports it. */
export interface InboxMessage {
  channel: string
  id: number
  data: unknown
  ts: number
}

/** The inbox, its unread count, and the ways to change them. */
export interface InboxStore {
  /** Newest first. */
  readonly items: readonly InboxItem[]
  readonly unreadCount: number
  /** Add a channel message unless an item with its id is there; returns the new item or `null`. */
  addMessage(message: InboxMessage, options?: { read?: boolean }): InboxItem | null
  /** Add a remark of the app's own about `channel`, e.g. that history was lost. */
  addNotice(channel: string, text: string, ts: number): InboxItem
  markRead(key: string): void
  markAllRead(): void
  /** Re-read storage (another tab changed it) and tell subscribers if anything differs. */
  reload(): void
  /** Call `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}

/** Options of {@link createInboxStore}. */
export interface InboxStoreOptions {
  storage: Pick<Storage, 'getItem' | 'setItem'>
  key?: string
  limit?: number
}

/** The key of the item for message `id`. */
export const messageKey = (id: number): string => `m${id}`

function isInboxItem(value: unknown): value is InboxItem {
  if (typeof value !== 'object' || value === null) return false
  const item = value as Record<string, unknown>
  return (
    typeof item.key === 'string' &&
    (item.id === null || (typeof item.id === 'number' && Number.isSafeInteger(item.id))) &&
    typeof item.channel === 'string' &&
    typeof item.ts === 'number' &&
    Number.isFinite(item.ts) &&
    (item.title === null || typeof item.title === 'string') &&
    typeof item.text === 'string' &&
    (item.level === 'info' || item.level === 'warning' || item.level === 'notice') &&
    typeof item.read === 'boolean' &&
    (item.href === undefined || item.href === null || (typeof item.href === 'string' && item.href.startsWith('/')))
  )
}

/** Stored items, dropping anything malformed (storage can be edited by hand or by an older version). */
export function parseInbox(json: string | null): InboxItem[] {
  if (json === null) return []
  try {
    const value = JSON.parse(json) as { items?: unknown } | null
    return Array.isArray(value?.items) ? value.items.filter(isInboxItem) : []
  } catch {
    return []
  }
}

/** Newest first; messages published in the same millisecond by id, which is publish order. */
function byNewest(a: InboxItem, b: InboxItem): number {
  return b.ts - a.ts || (b.id ?? 0) - (a.id ?? 0)
}

/** `ours` and `theirs` as one list: union by key, read if either says so, newest `limit` kept. */
function merge(ours: readonly InboxItem[], theirs: readonly InboxItem[], limit: number): InboxItem[] {
  const byKey = new Map<string, InboxItem>()
  for (const item of [...theirs, ...ours]) {
    const known = byKey.get(item.key)
    byKey.set(item.key, known ? { ...known, read: known.read || item.read } : item)
  }
  return [...byKey.values()].sort(byNewest).slice(0, limit)
}

function sameItems(a: readonly InboxItem[], b: readonly InboxItem[]): boolean {
  return a.length === b.length && a.every((item, index) => item.key === b[index]!.key && item.read === b[index]!.read)
}

/**
 * The inbox kept in `storage`.
 * @example
 * const inbox = createInboxStore({ storage: localStorage })
 * client.onMessage((message) => inbox.addMessage(message))
 */
export function createInboxStore(options: InboxStoreOptions): InboxStore {
  const { storage } = options
  const key = options.key ?? INBOX_STORAGE_KEY
  const limit = options.limit ?? INBOX_LIMIT
  const listeners = new Set<() => void>()
  const read = (): InboxItem[] => {
    try {
      return parseInbox(storage.getItem(key))
    } catch {
      return []
    }
  }
  let items = read()

  const publish = (next: InboxItem[]): void => {
    if (sameItems(items, next)) return
    items = next
    for (const listener of listeners) listener()
  }

  /** Apply `change` to the freshest stored list, store the result, and show it. */
  const commit = (change: (current: InboxItem[]) => InboxItem[]): void => {
    const next = change(merge(items, read(), limit))
    try {
      storage.setItem(key, JSON.stringify({ v: 1, items: next }))
    } catch {
      // Quota or disabled storage: the inbox still works for this page, it just is not kept.
    }
    publish(next)
  }

  return {
    get items() {
      return items
    },
    get unreadCount() {
      return items.reduce((count, item) => count + (item.read ? 0 : 1), 0)
    },
    addMessage(message, { read: isRead = false } = {}) {
      const itemKey = messageKey(message.id)
      if (items.some((item) => item.key === itemKey) || read().some((item) => item.key === itemKey)) return null
      const item: InboxItem = {
        key: itemKey,
        id: message.id,
        channel: message.channel,
        ts: message.ts,
        ...describeNotification(message.data),
        read: isRead,
      }
      commit((current) => merge([item], current, limit))
      return item
    },
    addNotice(channel, text, ts) {
      const item: InboxItem = {
        key: `n${channel}@${ts}`,
        id: null,
        channel,
        ts,
        title: null,
        text,
        level: 'notice',
        read: false,
        href: null,
      }
      commit((current) => merge([item], current, limit))
      return item
    },
    markRead(itemKey) {
      commit((current) => current.map((item) => (item.key === itemKey && !item.read ? { ...item, read: true } : item)))
    },
    markAllRead() {
      commit((current) => current.map((item) => (item.read ? item : { ...item, read: true })))
    },
    reload() {
      publish(merge([], read(), limit))
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

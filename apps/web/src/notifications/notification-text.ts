/**
 * What a notification says, from whatever a publisher put in `data`. Publishers are other programs
 * (curl, a deploy script, the admin console), so nothing about the shape is trusted: known fields
 * become a title and a text, anything else is shown as compact JSON, and every string is cleaned of
 * characters that could disguise it. The result is only ever rendered with `textContent`.
 */
import { type UserNotification, userNotificationSchema } from '@tandem/protocol'

/** How prominently a notification is shown. */
export type NotificationLevel = 'info' | 'warning'

/** A notification ready to show. */
export interface NotificationText {
  /** Bold first line, or `null` when the publisher gave none. */
  title: string | null
  /** The message itself; may be empty when only a title was given. */
  text: string
  level: NotificationLevel
  /** Where the notification leads (a comment in a document), or `null`. */
  href: string | null
}

/** Longest title kept, in characters. */
export const TITLE_MAX_LENGTH = 120

/** Longest text kept, in characters; toasts clamp further with CSS, the inbox shows it all. */
export const TEXT_MAX_LENGTH = 1000

const TITLE_FIELDS = ['title', 'subject'] as const
const TEXT_FIELDS = ['message', 'body', 'text'] as const
const WARNING_LEVELS = new Set(['warning', 'warn', 'error', 'critical'])

/**
 * C0/C1 controls other than tab and newline, and the bidi embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), which can make a text read differently from what it contains
 * ("Trojan Source"). Marks such as U+200E and joiners stay: real scripts and emoji need them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is what this is for.
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g

/**
 * `value` made safe and tidy to show: unsafe characters removed, blanks and tabs collapsed, at most
 * one empty line in a row, trimmed, and cut to `max` characters (whole code points) with an ellipsis.
 */
export function cleanText(value: string, max: number): string {
  const cleaned = value
    .replace(/\r\n?/g, '\n')
    .replace(UNSAFE_CHARACTERS, '')
    .replace(/[\t \u00A0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
  const points = Array.from(cleaned)
  return points.length <= max
    ? cleaned
    : `${points
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`
}

function firstString(record: Record<string, unknown>, fields: readonly string[], max: number): string | null {
  for (const field of fields) {
    const value = record[field]
    if (typeof value !== 'string') continue
    const cleaned = cleanText(value, max)
    if (cleaned !== '') return cleaned
  }
  return null
}

/** `data` as one line of JSON; `undefined` (never sent by the server, but possible in tests) as "". */
function compactJson(data: unknown): string {
  try {
    return JSON.stringify(data) ?? ''
  } catch {
    return String(data)
  }
}

/**
 * Title, text and level of a message's `data`:
 * `{ title, message | body | text, level }` → those fields; a string → itself; anything else → JSON.
 * @example
 * describeNotification({ type: 'announcement', title: 'Maintenance', message: 'Back at 10:00', level: 'warning' })
 * // → { title: 'Maintenance', text: 'Back at 10:00', level: 'warning' }
 */
export function describeNotification(data: unknown): NotificationText {
  const personal = userNotificationSchema.safeParse(data)
  if (personal.success) return describeUserNotification(personal.data)
  if (typeof data === 'string') return { title: null, text: cleanText(data, TEXT_MAX_LENGTH), level: 'info', href: null }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const record = data as Record<string, unknown>
    const title = firstString(record, TITLE_FIELDS, TITLE_MAX_LENGTH)
    const text = firstString(record, TEXT_FIELDS, TEXT_MAX_LENGTH)
    if (title !== null || text !== null) {
      const level = typeof record.level === 'string' && WARNING_LEVELS.has(record.level.toLowerCase()) ? 'warning' : 'info'
      return { title, text: text ?? '', level, href: null }
    }
  }
  return { title: null, text: cleanText(compactJson(data), TEXT_MAX_LENGTH), level: 'info', href: null }
}

/** The link to a comment thread: the document, opened at the thread. */
function commentHref(room: string, threadId: string): string {
  return `/d/${encodeURIComponent(room)}#comment-${encodeURIComponent(threadId)}`
}

/** A mention or a reply on the person's own channel: who, where, what, and the way to the comment. */
function describeUserNotification(notification: UserNotification): NotificationText {
  const who = cleanText(notification.by.name, 60) || 'Someone'
  const room = cleanText(notification.room, 128)
  const title = notification.type === 'mention' ? `${who} mentioned you in ${room}` : `${who} replied in ${room}`
  return {
    title: cleanText(title, TITLE_MAX_LENGTH),
    text: cleanText(notification.excerpt, TEXT_MAX_LENGTH),
    level: 'info',
    href: commentHref(notification.room, notification.threadId),
  }
}

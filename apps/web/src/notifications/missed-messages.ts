/**
 * Which messages pop up and which only land in the inbox. A message published while the page was
 * open (or a moment before it reconnected) is news and gets a toast; messages replayed because the
 * page was closed, or offline for long, would bury the page in stale toasts, so they only go to the
 * inbox, unread, and the page says once how many there were.
 */

/** Messages older than this when they arrive are "missed", even if the page was open at the time. */
export const LIVE_WINDOW_MS = 60_000

/**
 * Whether a message published at `publishedAt` (server clock) arrived too late to be news.
 * Clocks of server and browser differ a little; that only moves the line by as much.
 */
export function isMissed(publishedAt: number, pageOpenedAt: number, now: number): boolean {
  return publishedAt < pageOpenedAt || now - publishedAt > LIVE_WINDOW_MS
}

/** The one toast that stands for `count` missed messages. */
export function missedSummary(count: number): { title: string; text: string } {
  return {
    title: count === 1 ? '1 new notification' : `${count} new notifications`,
    text:
      count === 1 ? 'It arrived while you were away. It is in your inbox.' : 'They arrived while you were away. They are in your inbox.',
  }
}

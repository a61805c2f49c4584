/** Which retention limits apply to a channel: an exact override, else the longest matching prefix, else defaults. */
import type { RetentionPolicy } from '../storage/message-store.js'

/**
 * What `room:<name>` channels keep unless `CHANNEL_RETENTION` says otherwise: their messages (joins,
 * leaves, presence, activity) only tell a page to look at the room again, so a resuming client needs
 * the latest few, not a week of every visit.
 */
export const ROOM_EVENT_RETENTION: Partial<RetentionPolicy> = { maxMessages: 50, maxAgeMs: 24 * 60 * 60 * 1000 }

/**
 * Build the per-channel retention lookup.
 * @example
 * const retentionFor = retentionResolver({ maxMessages: 1000, maxAgeMs: 7 * DAY }, { 'room:*': { maxMessages: 50 } })
 * retentionFor('room:notes') // { maxMessages: 50, maxAgeMs: 7 * DAY }
 */
export function retentionResolver(
  defaults: RetentionPolicy,
  overrides: Record<string, Partial<RetentionPolicy>>,
): (channel: string) => RetentionPolicy {
  const exact = new Map<string, Partial<RetentionPolicy>>()
  const prefixes: Array<[string, Partial<RetentionPolicy>]> = []
  for (const [pattern, override] of Object.entries(overrides)) {
    if (pattern.endsWith('*')) prefixes.push([pattern.slice(0, -1), override])
    else exact.set(pattern, override)
  }
  prefixes.sort((a, b) => b[0].length - a[0].length)
  return (channel) => {
    const override = exact.get(channel) ?? prefixes.find(([prefix]) => channel.startsWith(prefix))?.[1]
    return { ...defaults, ...override }
  }
}

/**
 * Reading the server's `room:<name>` messages (`roomEventSchema` in `@tandem/protocol`). The server
 * announces a join as the socket arrives, before the newcomer's first awareness update says who
 * they are; the `presence` message that names them follows, but it can be held back by the
 * per-room throttle (`ROOM_ACTIVITY_THROTTLE_MS`). So a join that counts more connections than named
 * people means "names still to come", and the list looks again shortly.
 */
import { roomEventSchema } from '@tandem/protocol'

/** When to look again after a join whose names are still to come, in ms after the message. */
export const NAME_SETTLE_DELAYS_MS = [1_000, 3_000] as const

/** Whether `data` is a join announced before everyone present has a name. */
export function namesPending(data: unknown): boolean {
  const event = roomEventSchema.safeParse(data)
  // The server lists at most 50 people and counts them all in `userCount`.
  return event.success && event.data.type === 'join' && event.data.userCount < event.data.connections
}

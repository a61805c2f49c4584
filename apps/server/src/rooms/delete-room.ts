/**
 * Deleting a document, as the admin console and its writers do: every connection to it (on every
 * node of a cluster) is closed with `RoomDeleted` (4404), the stored document, its versions and its
 * search entry go, and `room:<name>` says `deleted`, so lists drop it at once.
 */
import { roomChannel } from '@tandem/protocol'

import type { NotificationHub } from '../notifications/notification-hub.js'
import type { RoomRegistry } from './room-registry.js'

/** Delete `name`; `false` when there was no such document, stored or live. */
export async function deleteRoom(deps: { registry: RoomRegistry; hub: Pick<NotificationHub, 'publish'> }, name: string): Promise<boolean> {
  const wasLive = deps.registry.get(name) !== undefined
  const stored = await deps.registry.delete(name)
  if (!stored && !wasLive) return false
  await deps.hub.publish([roomChannel(name)], { type: 'deleted', room: name })
  return true
}

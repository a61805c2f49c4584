/**
 * Deleting a document, as the admin console and its writers do: every connection to it (on every
 * node of a cluster) is closed with `RoomDeleted` (4404), the document moves to the trash with
 * everything it holds (versions, images, comments), and `room:<name>` says `deleted`, so lists drop
 * it at once. From the trash an administrator restores it as it was, or purges it for good; the
 * trash keeper purges what stayed longer than `TRASH_RETENTION`.
 */
import { roomChannel } from '@tandem/protocol'

import type { NotificationHub } from '../notifications/notification-hub.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { RoomRegistry } from './room-registry.js'

/** The actor recorded for the admin token. */
export const ADMIN_ACTOR = 'admin'

/** What deleting and restoring need. */
interface TrashDeps {
  registry: RoomRegistry
  hub: Pick<NotificationHub, 'publish'>
}

/**
 * Move `name` to the trash, recording `actor` (`admin`, `user:<id>`, `anonymous`); `false` when there
 * was no such document, stored or live.
 */
export async function deleteRoom(deps: TrashDeps, name: string, actor: string): Promise<boolean> {
  const wasLive = deps.registry.get(name) !== undefined
  const byAdmin = actor === ADMIN_ACTOR
  const stored = await deps.registry.delete(name, actor, byAdmin ? 'deleted by an administrator' : 'this document was deleted')
  if (!stored && !wasLive) return false
  await deps.hub.publish([roomChannel(name)], { type: 'deleted', room: name, by: byAdmin ? 'administrator' : 'writer' })
  return true
}

/**
 * Take `name` out of the trash as it was deleted; lists hear `restored` on `room:<name>`. `false`
 * when it is not in the trash.
 */
export async function restoreRoom(deps: TrashDeps & { store: DocumentStore }, name: string): Promise<boolean> {
  if (!(await deps.store.restore(name))) return false
  // A room under the name that is somehow still in memory holds none of what comes back: it must
  // not write over it (its next compaction would replace the restored snapshot).
  deps.registry.dropDeleted(name)
  await deps.hub.publish([roomChannel(name)], { type: 'restored', room: name })
  return true
}

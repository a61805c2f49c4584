/** The room-level check of the document routes: read or write access, as the token or webhook grants it. */
import type { Identity } from '../auth/identity.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'

/**
 * Throw 403 `forbidden` unless `identity` may `needed` room `room`. In open mode everyone may both.
 * @example
 * await requireRoomAccess(deps.guard, c.var.identity, room, 'read')
 */
export async function requireRoomAccess(
  guard: Pick<UpgradeGuard, 'secure' | 'roomAccess'>,
  identity: Identity,
  room: string,
  needed: 'read' | 'write',
): Promise<void> {
  if (!guard.secure) return
  const access = await guard.roomAccess(identity, room)
  if (access === null || (needed === 'write' && access !== 'write')) {
    throw new HttpError(403, 'forbidden', `not allowed to ${needed === 'write' ? 'change' : 'read'} ${room}`)
  }
}

/** The document routes' way to a room that must exist: stored, or live with content; else 404. */
import { HttpError } from '../errors.js'
import type { Room } from '../rooms/room.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { DocumentStore } from '../storage/document-store.js'

/** What finding a room needs. */
export interface StoredRoomDeps {
  registry: RoomRegistry
  store: Pick<DocumentStore, 'info'>
}

/**
 * Throw 404 `not_found` unless `name` is stored or live with content.
 * @example
 * await requireStoredRoom(deps, room)
 */
export async function requireStoredRoom(deps: StoredRoomDeps, name: string): Promise<void> {
  if (deps.registry.get(name)?.hasContent) return
  if (!(await deps.store.info(name))) throw new HttpError(404, 'not_found', `no room ${name}`)
}

/** Run `work` on the live room `name` (loaded if needed, held meanwhile); 404 as {@link requireStoredRoom}. */
export async function withStoredRoom<T>(deps: StoredRoomDeps, name: string, work: (room: Room) => T | Promise<T>): Promise<T> {
  await requireStoredRoom(deps, name)
  const room = await deps.registry.reserve(name)
  try {
    return await work(room)
  } finally {
    deps.registry.release(room)
  }
}

/**
 * What the room registry tells the other nodes of a cluster, and asks of them (implemented by
 * `cluster/cluster-rooms.ts`; a single node has none). The registry calls it at each step of a room's
 * life; the implementation applies other nodes' changes to the room through `Room.applyRemoteUpdate`
 * and `Room.applyRemoteAwareness`.
 */
import type { Room } from './room.js'

export interface RoomReplication {
  /** Before the room's document is read from the store: start hearing other nodes' changes to it, so none falls between. */
  beforeLoad(name: string): Promise<void>
  /** The load before which {@link beforeLoad} was called failed: stop hearing of the room. */
  loadFailed(name: string): void
  /** The room is live, holding what the store held through row `lastSeq` of its log. */
  attach(room: Room, lastSeq: number): void
  /** This node committed rows `from`..`to` of the room's log: `updates`, in order. */
  committed(room: Room, updates: readonly Uint8Array[], from: number, to: number): void
  /** The room left memory (unloaded, deleted, discarded after a failure). */
  detach(room: Room): void
  /** This node deleted the room: every node closes its connections. */
  deleted(name: string): void
  /** The row through which the room's document holds every row of the log: a compaction may merge no further. */
  heldThrough(room: Room): number
}

/**
 * Document replication between the nodes of a cluster (the registry's {@link RoomReplication}).
 *
 * - A node that commits rows of a room's log publishes them on the room's channel (after the commit:
 *   persisted before published); nodes with the room loaded apply them as remote updates, which are
 *   relayed to their connections and never stored again.
 * - Each node tracks which rows of the log its copy holds ({@link SeqTracker}). Redis pub/sub may
 *   lose messages (a connection down, a node killed between its commit and its publish), so holes
 *   are read from the store: after {@link GAP_WAIT_MS} when a later row arrived first, for every room
 *   when the bus is back after an outage, and every {@link RECONCILE_MS} for rooms whose stored head
 *   is past what they hold (which also catches a lost last message).
 * - A room subscribes before it reads the store, and messages arriving during the read are kept and
 *   applied after it, so no row falls between.
 * - Awareness of local connections is published; other nodes' entries are relayed to local peers and
 *   removed when their node stops beating (see `node-directory.ts`).
 */
import * as Y from 'yjs'

import type { Logger } from '../logger.js'
import type { Room } from '../rooms/room.js'
import type { RoomReplication } from '../rooms/room-replication.js'
import type { StoredDocument } from '../storage/document-store.js'
import type { ClusterBus } from './cluster-bus.js'
import type { ClusterMessage } from './cluster-message.js'
import { SeqTracker } from './seq-tracker.js'

/** What the cluster reads from the shared store (`PostgresDocumentStore`). */
export interface ClusterLog {
  load(name: string): Promise<StoredDocument | null>
  logAfter(name: string, afterSeq: number): Promise<Array<{ seq: number; update: Uint8Array }> | null>
  heads(names: readonly string[]): Promise<Map<string, number>>
}

/** How long a hole below rows already received may stay before it is read from the store. */
const GAP_WAIT_MS = 250
/** Between two comparisons of every loaded room with the head of its stored log. */
const RECONCILE_MS = 5_000
/** Larger committed batches are announced without their bytes; receivers read them from the store. */
const MAX_INLINE_UPDATE_BYTES = 256 * 1024
/** Messages kept for a room while it loads; past either bound they are dropped and the room reconciles after its load. */
const MAX_EARLY = { messages: 1024, bytes: 8 * 1024 * 1024 }

interface Replica {
  room: Room
  tracker: SeqTracker
  /** The read from the store in progress, if any; another is asked for with {@link again}. */
  reconciling: Promise<void> | null
  again: boolean
  gapTimer: NodeJS.Timeout | null
}

interface Early {
  messages: ClusterMessage[]
  bytes: number
  overflowed: boolean
}

export interface ClusterRoomsCounters {
  /** Remote updates applied from the channel. */
  applied: number
  /** Reads from the store to fill holes (per room). */
  reconciled: number
  /** Log rows read from the store because their message was lost or too large. */
  rowsFetched: number
  /** Whole documents read again because the rows missed had been compacted meanwhile. */
  reloads: number
}

export interface ClusterRoomsOptions {
  bus: ClusterBus
  log: ClusterLog
  nodeId: string
  logger: Logger
  /** Another node deleted `name`: close it here. */
  onDeleted(name: string): void
}

export class ClusterRooms implements RoomReplication {
  readonly #options: ClusterRoomsOptions
  readonly #replicas = new Map<string, Replica>()
  /** Rooms subscribed whose load has not finished: what arrived meanwhile. */
  readonly #early = new Map<string, Early>()
  readonly #timer: NodeJS.Timeout
  #closed = false
  readonly counters: ClusterRoomsCounters = { applied: 0, reconciled: 0, rowsFetched: 0, reloads: 0 }

  constructor(options: ClusterRoomsOptions) {
    this.#options = options
    this.#timer = setInterval(() => void this.reconcileAll(false), RECONCILE_MS)
    this.#timer.unref()
  }

  // ---- RoomReplication ----

  async beforeLoad(name: string): Promise<void> {
    this.#early.set(name, { messages: [], bytes: 0, overflowed: false })
    await this.#options.bus.subscribeRoom(name)
  }

  loadFailed(name: string): void {
    this.#early.delete(name)
    if (!this.#replicas.has(name)) this.#options.bus.unsubscribeRoom(name)
  }

  attach(room: Room, lastSeq: number): void {
    const replica: Replica = { room, tracker: new SeqTracker(lastSeq), reconciling: null, again: false, gapTimer: null }
    this.#replicas.set(room.name, replica)
    const early = this.#early.get(room.name)
    this.#early.delete(room.name)
    for (const message of early?.messages ?? []) this.#onRoomMessage(replica, message)
    // Subscribed while Redis was down, or too much arrived during the load: read what was missed.
    if (early?.overflowed || this.#options.bus.state !== 'ready') this.#reconcile(replica)
    // Others' cursors, without waiting for their next renewal.
    void this.#options.bus.publishToRoom(room.name, { type: 'awareness-query', node: this.#options.nodeId })
  }

  committed(room: Room, updates: readonly Uint8Array[], from: number, to: number): void {
    const replica = this.#replicas.get(room.name)
    if (replica?.room === room) replica.tracker.add(from, to)
    let update = updates.length === 1 ? updates[0]! : Y.mergeUpdates([...updates])
    if (update.byteLength > MAX_INLINE_UPDATE_BYTES) update = new Uint8Array()
    void this.#options.bus.publishToRoom(room.name, { type: 'update', node: this.#options.nodeId, seqFrom: from, seqTo: to, update })
  }

  detach(room: Room): void {
    const replica = this.#replicas.get(room.name)
    if (replica?.room !== room) return
    if (replica.gapTimer) clearTimeout(replica.gapTimer)
    this.#replicas.delete(room.name)
    if (!this.#early.has(room.name)) this.#options.bus.unsubscribeRoom(room.name)
  }

  deleted(name: string): void {
    void this.#options.bus.publishToRoom(name, { type: 'deleted', node: this.#options.nodeId })
  }

  heldThrough(room: Room): number {
    const replica = this.#replicas.get(room.name)
    return replica?.room === room ? replica.tracker.floor : 0
  }

  // ---- from the bus and the node directory ----

  /** A message from another node on `name`'s channel. */
  receive(name: string, message: ClusterMessage): void {
    const replica = this.#replicas.get(name)
    if (replica) {
      this.#onRoomMessage(replica, message)
      return
    }
    const early = this.#early.get(name)
    if (!early || early.overflowed) return
    const bytes = 'update' in message ? message.update.byteLength : 0
    if (early.messages.length >= MAX_EARLY.messages || early.bytes + bytes > MAX_EARLY.bytes) {
      early.overflowed = true
      early.messages = []
      return
    }
    early.messages.push(message)
    early.bytes += bytes
  }

  /** This node's awareness change in `room`, for the others. */
  awarenessChanged(room: Room, update: Uint8Array, owner: string): void {
    if (this.#replicas.get(room.name)?.room !== room) return
    void this.#options.bus.publishToRoom(room.name, { type: 'awareness', node: this.#options.nodeId, owner, update })
  }

  /** The nodes alive now: entries of connections on any other node go. */
  liveNodes(ids: ReadonlySet<string>): void {
    for (const { room } of this.#replicas.values()) room.dropAwarenessOfNodesNotIn(ids)
  }

  /**
   * Compare every loaded room with the head of its stored log and read what it misses; with `all`
   * (the bus is back after an outage), read for every room whatever its head says, and ask the
   * other nodes for their awareness again.
   */
  async reconcileAll(all: boolean): Promise<void> {
    const replicas = [...this.#replicas.values()]
    if (replicas.length === 0 || this.#closed) return
    if (all) {
      for (const replica of replicas) {
        this.#reconcile(replica)
        void this.#options.bus.publishToRoom(replica.room.name, { type: 'awareness-query', node: this.#options.nodeId })
      }
      return
    }
    let heads: Map<string, number>
    try {
      heads = await this.#options.log.heads(replicas.map((replica) => replica.room.name))
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'cluster: could not read the heads of the loaded rooms; retrying later')
      return
    }
    for (const replica of replicas) {
      if ((heads.get(replica.room.name) ?? 0) > replica.tracker.floor) this.#reconcile(replica)
    }
  }

  /** Stop reconciling, once the reads in progress are done (before the store closes). */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    for (const replica of this.#replicas.values()) if (replica.gapTimer) clearTimeout(replica.gapTimer)
    await Promise.all([...this.#replicas.values()].flatMap((replica) => (replica.reconciling ? [replica.reconciling] : [])))
  }

  #onRoomMessage(replica: Replica, message: ClusterMessage): void {
    const { room, tracker } = replica
    switch (message.type) {
      case 'update': {
        if (tracker.holds(message.seqFrom, message.seqTo)) return
        if (message.update.byteLength === 0) {
          // Too large to send: read from the store now.
          this.#reconcile(replica)
          return
        }
        try {
          room.applyRemoteUpdate(message.update)
        } catch (error) {
          this.#options.logger.error({ err: error, room: room.name, node: message.node }, 'cluster: a remote update failed to apply')
          return
        }
        this.counters.applied++
        tracker.add(message.seqFrom, message.seqTo)
        if (tracker.hasGap) this.#fillGapLater(replica)
        return
      }
      case 'awareness':
        try {
          room.applyRemoteAwareness(message.node, message.owner, message.update)
        } catch (error) {
          this.#options.logger.warn({ err: error, room: room.name, node: message.node }, 'cluster: malformed awareness update dropped')
        }
        return
      case 'awareness-query':
        for (const { owner, update } of room.localAwareness()) {
          void this.#options.bus.publishToRoom(room.name, { type: 'awareness', node: this.#options.nodeId, owner, update })
        }
        return
      case 'deleted':
        this.#options.onDeleted(room.name)
        return
      case 'messages':
      case 'leaving':
        return
    }
  }

  #fillGapLater(replica: Replica): void {
    if (replica.gapTimer) return
    replica.gapTimer = setTimeout(() => {
      replica.gapTimer = null
      // Still missing rows below ones already held: their messages were lost, or are very late.
      if (replica.tracker.hasGap && this.#replicas.get(replica.room.name) === replica) this.#reconcile(replica)
    }, GAP_WAIT_MS)
    replica.gapTimer.unref()
  }

  /** Read what the room's document misses from the store: the rows after its floor, or the whole document if they were compacted. */
  #reconcile(replica: Replica): void {
    if (this.#closed) return
    if (replica.reconciling) {
      replica.again = true
      return
    }
    replica.reconciling = this.#readMissing(replica)
      .catch((error: unknown) => {
        // The next periodic comparison tries again.
        this.#options.logger.warn({ err: error, room: replica.room.name }, 'cluster: reading missed updates from storage failed')
      })
      .finally(() => {
        replica.reconciling = null
        if (replica.again && this.#replicas.get(replica.room.name) === replica) {
          replica.again = false
          this.#reconcile(replica)
        }
      })
  }

  async #readMissing(replica: Replica): Promise<void> {
    const { room, tracker } = replica
    const { log } = this.#options
    this.counters.reconciled++
    const rows = await log.logAfter(room.name, tracker.floor)
    if (room.destroyed) return
    if (rows) {
      for (const { seq, update } of rows) {
        if (tracker.holds(seq, seq)) continue
        room.applyRemoteUpdate(update)
        tracker.add(seq, seq)
        this.counters.rowsFetched++
      }
      return
    }
    // Rows this node missed were merged into the snapshot by another node's compaction.
    const stored = await log.load(room.name)
    if (room.destroyed || !stored) return
    this.counters.reloads++
    if (stored.snapshot) room.applyRemoteUpdate(stored.snapshot)
    for (const update of stored.updates) room.applyRemoteUpdate(update)
    tracker.raiseTo(stored.lastSeq)
  }
}

/**
 * Which rooms are live. A room is loaded from storage on its first join (later joins wait for that
 * load; a failed load is never cached), stays while it has connections or reserved joins, and is
 * unloaded `idleMs` after its last connection leaves: pending writes are flushed, the log is compacted
 * into a snapshot, and the doc, its awareness and timers are destroyed.
 */
import { CloseCode } from '@tandem/protocol'

import { ConnectionError } from '../errors.js'
import type { Logger } from '../logger.js'
import { type DocumentStore, DocumentTrashedError, type StoredDocument } from '../storage/document-store.js'
import { loadDocument } from './document-loader.js'
import type { DocumentMirrors } from './document-mirrors.js'
import { EncodeBudget } from './encode-budget.js'
import type { IntegrationProbe } from './integration-probe.js'
import type { Peer } from './peer.js'
import { type AwarenessLimits, Room, type RoomDeps } from './room.js'
import type { RoomReplication } from './room-replication.js'
import { UpdateWriter } from './update-writer.js'

/** Options of a {@link RoomRegistry}. */
export interface RoomRegistryOptions {
  store: DocumentStore
  logger: Logger
  /** How long an empty room stays loaded. */
  idleMs: number
  /** Compact once a document's log has this many rows... */
  compactMaxRows: number
  /** ...or this many bytes. */
  compactMaxBytes: number
  /** Called after every change this node makes to a document (activity notifications, versions), with the connection that made it. */
  onDocumentChange?: (room: Room, author: Peer | null) => void
  /**
   * Called when a room unloads (idle, shutdown), once its writes are flushed and before it is
   * compacted and destroyed; awaited (a failure is logged and the unload goes on).
   */
  onRetire?: (room: Room) => Promise<void>
  /** Called when the people present in a room changed (names or colours in awareness). */
  onPresenceChange?: (room: Room) => void
  /** Called after a connection joined a room. */
  onJoin?: (room: Room) => void
  /** Called after a connection left a room. */
  onLeave?: (room: Room) => void
  /** Limits on awareness updates; defaults apply when omitted. */
  awarenessLimits?: AwarenessLimits
  /** Bytes of updates with missing dependencies Yjs may hold per room (see `RoomDeps`). */
  maxPendingUpdateBytes?: number
  /** Most structs plus deleted ranges one update may carry. */
  maxUpdateStructs?: number
  /** Most bytes one document may take in storage (see `RoomDeps.maxDocumentBytes`). */
  maxDocumentBytes?: number
  /** Called when an edit was refused because its document is full. */
  onDocumentFull?: (room: Room) => void
  /** Main-thread milliseconds one connection's updates may cost per minute. */
  maxApplyMsPerMinute?: number
  /** Times updates too costly to bound before the main thread integrates them (see `RoomDeps.probe`). */
  probe?: IntegrationProbe
  /** Encodes large documents off the main thread (see `RoomDeps.mirrors`). */
  mirrors?: DocumentMirrors
  /** Structs from which a document is mirrored (see `RoomDeps.mirrorStructs`). */
  mirrorStructs?: number
  /** Main-thread time per turn for sync answers, shared with whatever else charges it (the probe). */
  encodeBudget?: EncodeBudget
  /** Called when a read-only connection's update was dropped. */
  onDroppedUpdate?: (room: Room, peer: Peer) => void
  /** Called after every committed write batch, with its update count and duration in seconds. */
  onBatchWritten?: (updates: number, seconds: number) => void
  /** The other nodes of a cluster (see `RoomReplication`); none for a single node. */
  replication?: RoomReplication
  /** Called with every awareness change of this node's connections (see `RoomDeps.onAwarenessChange`). */
  onAwarenessChange?: (room: Room, update: Uint8Array, owner: string) => void
}

/** Live rooms, keyed by name. One per server. */
export class RoomRegistry {
  readonly #options: RoomRegistryOptions
  /** Sync-answer encoding time per event-loop turn, shared by all rooms. */
  readonly #encodeBudget: EncodeBudget
  readonly #rooms = new Map<string, Room>()
  readonly #loading = new Map<string, Promise<Room>>()
  readonly #unloading = new Map<string, Promise<void>>()
  /** Rooms taken out of `#rooms` that still wait for their last writes and compaction. */
  readonly #retiring = new Map<string, Room>()
  readonly #writer: UpdateWriter
  #closing = false

  constructor(options: RoomRegistryOptions) {
    this.#options = options
    this.#encodeBudget = options.encodeBudget ?? new EncodeBudget()
    this.#writer = new UpdateWriter(options.store, {
      onPersisted: (results, batches) => {
        for (const [index, result] of results.entries()) {
          const room = this.#rooms.get(result.name) ?? this.#retiring.get(result.name)
          if (!room) continue
          room.notePersisted(result)
          const updates = batches[index]!.updates
          options.replication?.committed(room, updates, result.lastSeq - updates.length + 1, result.lastSeq)
          // A retiring room compacts once, on its way out; only live rooms compact on thresholds.
          const overThreshold =
            result.logRows >= options.compactMaxRows || result.logBytes >= options.compactMaxBytes || this.#nearlyFull(room)
          if (this.#rooms.has(room.name) && overThreshold) void this.#compact(room)
        }
      },
      onFailure: (names, error) => {
        for (const name of names) {
          // Deleted meanwhile: its connections hear so, and nothing is written for it.
          if (error instanceof DocumentTrashedError) this.dropDeleted(name)
          else {
            const room = this.#rooms.get(name)
            if (room) this.#discard(room, error)
          }
        }
      },
      onError: (error) => options.logger.error({ err: error }, 'queued room work failed'),
      onBatchWritten: options.onBatchWritten,
    })
  }

  /** Number of loaded rooms. */
  get size(): number {
    return this.#rooms.size
  }

  /** Loaded rooms nothing was stored for yet (opened by a new name, not edited). */
  unstoredCount(): number {
    let count = 0
    for (const room of this.#rooms.values()) if (room.persisted.lastSeq === 0 && room.persisted.snapshotBytes === 0) count++
    return count
  }

  /** Number of connections across all rooms. */
  get connectionCount(): number {
    let count = 0
    for (const room of this.#rooms.values()) count += room.peerCount
    return count
  }

  /** The loaded room called `name`, if any. */
  get(name: string): Room | undefined {
    return this.#rooms.get(name)
  }

  /** Every loaded room. */
  loaded(): IterableIterator<Room> {
    return this.#rooms.values()
  }

  /**
   * Load `name` if needed and hold it loaded until {@link join} or {@link release}. Used before a
   * WebSocket upgrade completes, so a room that cannot load refuses the connection instead.
   * @throws when storage cannot load the document; nothing is cached and the next call retries.
   */
  async reserve(name: string): Promise<Room> {
    if (this.#closing) throw new ConnectionError(CloseCode.GoingAway, 'server is shutting down')
    let room = this.#rooms.get(name)
    if (!room) {
      let loading = this.#loading.get(name)
      if (!loading) {
        loading = this.#load(name).finally(() => this.#loading.delete(name))
        this.#loading.set(name, loading)
      }
      room = await loading
    }
    room.reservations++
    this.#cancelIdle(room)
    return room
  }

  /** Turn a reservation into a connection. */
  join(room: Room, peer: Peer): void {
    room.reservations--
    room.add(peer)
    this.#options.onJoin?.(room)
  }

  /** Give up a reservation without joining (the socket went away during the upgrade). */
  release(room: Room): void {
    room.reservations--
    this.#scheduleIdle(room)
  }

  /** Remove `peer` from `room`; the room unloads once it has stayed empty for `idleMs`. */
  leave(room: Room, peer: Peer): void {
    const wasIn = room.peerCount
    room.remove(peer)
    if (room.peerCount < wasIn) this.#options.onLeave?.(room)
    this.#scheduleIdle(room)
  }

  /**
   * Unload `name` now if it is loaded and nobody is in it or about to join. Resolves once its writes
   * are flushed, its log compacted and its memory freed.
   */
  async unload(name: string): Promise<void> {
    const room = this.#rooms.get(name)
    if (!room || room.peerCount > 0 || room.reservations > 0) return this.#unloading.get(name)
    this.#rooms.delete(name)
    this.#cancelIdle(room)
    const done = this.#retire(room).finally(() => this.#unloading.delete(name))
    this.#unloading.set(name, done)
    return done
  }

  /**
   * Delete room `name`: close its connections with `RoomDeleted` (`reason` says by whom), let pending
   * writes finish, then move its stored data to the trash, recording `by`. Joins that arrive meanwhile
   * wait and then find it deleted. Resolves whether it was stored (and not in the trash already).
   */
  async delete(name: string, by: string, reason = 'this document was deleted'): Promise<boolean> {
    await this.#loading.get(name)?.catch(() => undefined)
    await this.#unloading.get(name)
    const room = this.#rooms.get(name)
    if (room) {
      this.#rooms.delete(name)
      this.#cancelIdle(room)
      room.closeAll(CloseCode.RoomDeleted, reason)
    }
    const done = (async () => {
      await this.#writer.flushed()
      if (room) this.#destroy(room)
      const existed = await this.#options.store.trash(name, by)
      this.#options.replication?.deleted(name)
      return existed
    })()
    const settled = done.then(
      () => undefined,
      () => undefined,
    )
    this.#unloading.set(name, settled)
    void settled.then(() => {
      if (this.#unloading.get(name) === settled) this.#unloading.delete(name)
    })
    return done
  }

  /**
   * Another node deleted room `name`: close its connections here with `RoomDeleted` and drop it from
   * memory, without writing anything (what it had unwritten was for a document that is gone).
   */
  dropDeleted(name: string): void {
    const room = this.#rooms.get(name)
    if (!room) return
    this.#rooms.delete(name)
    this.#cancelIdle(room)
    room.closeAll(CloseCode.RoomDeleted, 'this document was deleted')
    this.#destroy(room)
  }

  /**
   * Create room `name` holding `initial` (a Yjs update) unless its document already has content,
   * stored or live. Resolves `true` once the new document is durable, `false` when it existed.
   * @throws when storage cannot load or store the document.
   */
  async create(name: string, initial: Uint8Array): Promise<boolean> {
    const room = await this.reserve(name)
    try {
      if (room.hasContent) return false
      room.applyServerUpdate(initial)
      let durable = false
      this.#writer.afterPersist(name, () => (durable = true))
      await this.#writer.flushed()
      if (!durable) throw new Error(`storing the new document ${name} failed`)
      return true
    } finally {
      this.release(room)
    }
  }

  /** Close every connection with `ServiceRestart` (reconnect at once), flush and compact every room, and free them. */
  async shutdown(): Promise<void> {
    this.#closing = true
    await Promise.allSettled(this.#loading.values())
    const rooms = [...this.#rooms.values()]
    this.#rooms.clear()
    for (const room of rooms) {
      this.#cancelIdle(room)
      room.closeAll(CloseCode.ServiceRestart, 'server restarting: reconnect now')
    }
    await Promise.all([...rooms.map((room) => this.#retire(room)), ...this.#unloading.values()])
  }

  /** Resolves once every update queued so far is durable. */
  flushed(): Promise<void> {
    return this.#writer.flushed()
  }

  async #load(name: string): Promise<Room> {
    await this.#unloading.get(name)
    const replication = this.#options.replication
    if (!replication) return this.#loadStored(name)
    // Hear of other nodes' changes first, then read: whatever they commit meanwhile arrives either way.
    await replication.beforeLoad(name)
    try {
      const room = await this.#loadStored(name)
      replication.attach(room, room.persisted.lastSeq)
      return room
    } catch (error) {
      replication.loadFailed(name)
      throw error
    }
  }

  async #loadStored(name: string): Promise<Room> {
    const stored = await this.#options.store.load(name)
    // A document in the trash is not opened as a new, empty one (its name stays its own until purged).
    if (!stored && (await this.#options.store.trashed(name))) throw new ConnectionError(CloseCode.RoomDeleted, 'this document was deleted')
    // Read now: loading may move the bytes to a worker.
    const snapshotBytes = stored?.snapshot?.byteLength ?? 0
    if (this.#closing) throw new ConnectionError(CloseCode.GoingAway, 'server is shutting down')
    const reread = (): Promise<StoredDocument | null> => this.#options.store.load(name)
    const loaded = await loadDocument(name, stored, reread, this.#options.mirrors, this.#options.mirrorStructs)
    if (this.#closing) {
      this.#options.mirrors?.forget(loaded.key)
      throw new ConnectionError(CloseCode.GoingAway, 'server is shutting down')
    }
    const {
      onDocumentChange,
      onPresenceChange,
      onAwarenessChange,
      awarenessLimits,
      maxPendingUpdateBytes,
      maxUpdateStructs,
      maxDocumentBytes,
      maxApplyMsPerMinute,
      onDroppedUpdate,
      probe,
      mirrors,
      mirrorStructs,
      logger,
    } = this.#options
    const deps: RoomDeps = {
      writer: this.#writer,
      onDocumentChange,
      onPresenceChange,
      onAwarenessChange,
      awarenessLimits,
      maxPendingUpdateBytes,
      maxUpdateStructs,
      ...(maxDocumentBytes === undefined ? {} : { maxDocumentBytes }),
      // Its log folded into the snapshot, a full document may have room again.
      onFull: (full) => {
        this.#options.onDocumentFull?.(full)
        // Only a log worth folding: refusals repeated on a full document must not each cost a compaction.
        const worth = (maxDocumentBytes ?? 0) / 64
        if (this.#rooms.get(full.name) === full && full.persisted.logRows > 1 && full.persisted.logBytes >= worth) void this.#compact(full)
      },
      maxApplyMsPerMinute,
      onDroppedUpdate,
      probe,
      mirrors,
      mirrorStructs,
      onRefused: (refused, peer, error) => logger.warn({ room: refused.name, conn: peer.id, err: error }, 'closing connection'),
      encodeBudget: this.#encodeBudget,
      onCorrupted: (broken, error) =>
        this.#discard(
          broken,
          error,
          'the document failed inside Yjs; closing the room to reload it from storage',
          'document error; reconnect to reload it',
        ),
    }
    const room = new Room(name, stored, deps, loaded)
    room.persisted.snapshotBytes = snapshotBytes
    this.#rooms.set(name, room)
    if (room.persisted.logRows >= this.#options.compactMaxRows || room.persisted.logBytes >= this.#options.compactMaxBytes) {
      void this.#compact(room)
    }
    return room
  }

  /** Flush, compact and destroy a room already removed from the map. */
  async #retire(room: Room): Promise<void> {
    this.#retiring.set(room.name, room)
    try {
      await room.compaction
      await this.#writer.flushed()
      await this.#options.onRetire?.(room).catch((error: unknown) => {
        this.#options.logger.error({ err: error, room: room.name }, 'work before unloading the room failed')
      })
      // #compact logs its own failure and keeps the log, which still loads correctly.
      if (room.persisted.logRows > 0) await this.#compact(room)
    } finally {
      this.#destroy(room)
      this.#retiring.delete(room.name)
    }
  }

  /**
   * Whether `room`'s log takes half or more of what its document has left under
   * `MAX_DOCUMENT_BYTES`: compacting then gives the log's room back (a snapshot is far smaller than
   * the keystrokes it merges), so a document is refused as full only when its content fills it.
   */
  #nearlyFull(room: Room): boolean {
    const max = this.#options.maxDocumentBytes
    if (max === undefined || room.persisted.logRows < 2) return false
    const { snapshotBytes, logBytes } = room.persisted
    // At least a 64th of the limit: a document already at it (the limit was lowered) compacts now
    // and then, not after every write.
    return logBytes >= Math.max((max - snapshotBytes) / 2, max / 64)
  }

  /**
   * Merge the room's log into a snapshot of its live doc. The snapshot is taken first (by the room's
   * mirror when the document is large, so writes go on meanwhile) and holds every row stored so far;
   * it replaces them between two write batches, and rows written since stay in the log.
   */
  #compact(room: Room): Promise<void> {
    room.compaction ??= (async () => {
      if (room.destroyed || room.persisted.logRows === 0) return
      // On a cluster, rows other nodes appended may not have reached this document yet: merge only
      // through the row below which it holds them all.
      const replication = this.#options.replication
      const covered = { ...room.persisted, lastSeq: replication ? replication.heldThrough(room) : room.persisted.lastSeq }
      // Encoded and packed (compressed) while writes go on; only the swap waits for a gap between batches.
      const whole = await room.encodeWhole()
      const wholeBytes = whole.byteLength
      const snapshot = await this.#options.store.packSnapshot(whole)
      await this.#writer.exclusive(async () => {
        // Deleted or discarded meanwhile (a retiring room is destroyed only after its compaction).
        if (room.destroyed) return
        await this.#options.store.compact(room.name, snapshot, covered.lastSeq)
        room.persisted.snapshotBytes = wholeBytes
        room.persisted.logRows = Math.max(0, room.persisted.logRows - covered.logRows)
        room.persisted.logBytes = Math.max(0, room.persisted.logBytes - covered.logBytes)
      })
    })()
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error, room: room.name }, 'compaction failed; the update log is kept')
      })
      .finally(() => {
        room.compaction = null
      })
    return room.compaction
  }

  /** Storage failed under a live room (or its doc did): drop it from memory so the next join reloads what is stored. */
  #discard(
    room: Room,
    error: unknown,
    why = 'writing document updates failed; closing the room',
    reason = 'storage failed; reconnect to retry',
  ): void {
    if (this.#rooms.get(room.name) !== room) return
    this.#options.logger.error({ err: error, room: room.name }, why)
    this.#rooms.delete(room.name)
    room.closeAll(CloseCode.StorageUnavailable, reason)
    this.#destroy(room)
  }

  #destroy(room: Room): void {
    if (room.destroyed) return
    this.#options.replication?.detach(room)
    room.destroy()
  }

  #scheduleIdle(room: Room): void {
    if (room.peerCount > 0 || room.reservations > 0 || room.destroyed || this.#closing) return
    // A room already replaced (deleted, failed) must not schedule the unload of its successor.
    if (this.#rooms.get(room.name) !== room) return
    this.#cancelIdle(room)
    room.idleTimer = setTimeout(() => void this.unload(room.name), this.#options.idleMs)
    room.idleTimer.unref()
  }

  #cancelIdle(room: Room): void {
    if (room.idleTimer) clearTimeout(room.idleTimer)
    room.idleTimer = null
  }
}

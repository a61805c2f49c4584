/**
 * One live document: its Y.Doc, its awareness, and the peers editing it. The room speaks the
 * y-websocket protocol with each peer; every document update the doc emits goes through the
 * {@link UpdateWriter} so it is stored before any peer hears of it.
 */
import {
  CloseCode,
  type CollabMessage,
  decodeCollabMessage,
  encodeAwarenessFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  MalformedMessageError,
  MessageType,
  SyncStep,
  UnknownMessageTypeError,
} from '@tandem/protocol'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { ConnectionError } from '../errors.js'
import { guardAwarenessUpdate } from './awareness-guard.js'
import type { AppendResult, StoredDocument } from '../storage/document-store.js'
import type { Peer } from './peer.js'
import type { UpdateWriter } from './update-writer.js'

function sameUser(a: Peer, b: Peer): boolean {
  if (a.identity.kind === 'anonymous' || b.identity.kind === 'anonymous') return a.identity.kind === b.identity.kind
  return a.identity.id === b.identity.id
}

/**
 * Decode a collab frame, translating protocol errors into the connection errors that close it.
 * @throws {ConnectionError} with `MalformedMessage` or `UnknownMessageType`.
 */
export function decodeFrame(bytes: Uint8Array): CollabMessage {
  try {
    return decodeCollabMessage(bytes)
  } catch (error) {
    if (error instanceof UnknownMessageTypeError) throw new ConnectionError(CloseCode.UnknownMessageType, error.message)
    if (error instanceof MalformedMessageError) throw new ConnectionError(CloseCode.MalformedMessage, error.message)
    throw error
  }
}

interface Outgoing {
  update: Uint8Array
  origin: unknown
}

/** Log position of the room's document after its last write or compaction. */
export interface PersistedLog {
  lastSeq: number
  logRows: number
  logBytes: number
}

/** Limits on awareness updates. */
export interface AwarenessLimits {
  maxEntries: number
  maxStateBytes: number
}

/** What a room needs from its registry. */
export interface RoomDeps {
  writer: UpdateWriter
  awarenessLimits?: AwarenessLimits
  /** Called when a read-only peer's update was dropped. */
  onDroppedUpdate?: (room: Room, peer: Peer) => void
  /** Called after every change to the document, e.g. to publish activity. */
  onDocumentChange?: (room: Room) => void
  /** Called when the set of people present (names and colours in awareness) changed. */
  onPresenceChange?: (room: Room) => void
}

interface AwarenessChange {
  added: number[]
  updated: number[]
  removed: number[]
}

/** A live document and its connections. Built by the `RoomRegistry`, never directly. */
export class Room {
  readonly name: string
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** Each peer with the awareness client ids it introduced (removed when it leaves). */
  readonly #peers = new Map<Peer, Set<number>>()
  readonly #deps: RoomDeps
  #outgoing: Outgoing[] = []
  #outgoingGeneration = -1
  #destroyed = false
  /** Joins promised by the registry but not yet made; a reserved room is never unloaded. */
  reservations = 0
  idleTimer: NodeJS.Timeout | null = null
  /** The compaction queued or running, if any. */
  compaction: Promise<void> | null = null
  lastActivity = Date.now()
  /** Document updates dropped because their sender may only read. */
  droppedUpdates = 0
  readonly persisted: PersistedLog

  constructor(name: string, stored: StoredDocument | null, deps: RoomDeps) {
    this.name = name
    this.#deps = deps
    this.doc = new Y.Doc({ gc: true })
    this.persisted = { lastSeq: stored?.lastSeq ?? 0, logRows: stored?.updates.length ?? 0, logBytes: 0 }
    if (stored) {
      const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
      this.persisted.logBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0)
      // Applied before the update listener exists: loading must not write the document back.
      if (parts.length > 0) Y.applyUpdate(this.doc, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts))
    }
    this.doc.on('update', this.#onDocUpdate)
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    // The server is not a participant: it has no cursor of its own.
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.#onAwarenessUpdate)
  }

  /** Connections in the room. */
  get peerCount(): number {
    return this.#peers.size
  }

  /** The connected peers. */
  peers(): IterableIterator<Peer> {
    return this.#peers.keys()
  }

  get destroyed(): boolean {
    return this.#destroyed
  }

  /** Signature of who is present, to tell real presence changes from cursor moves and renewals. */
  #presence = ''

  #notePresence(): void {
    if (!this.#deps.onPresenceChange) return
    const names: string[] = []
    for (const state of this.awareness.getStates().values()) {
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user
      if (typeof user?.name === 'string') names.push(`${user.name}\u0000${String(user.color)}`)
    }
    const signature = names.sort().join('\u0001')
    if (signature === this.#presence) return
    this.#presence = signature
    this.#deps.onPresenceChange(this)
  }

  /** The name `peer` announces in its awareness state, if any. */
  announcedName(peer: Peer): string | null {
    const name = this.#announcedUser(peer)?.name
    return typeof name === 'string' ? name.slice(0, 80) : null
  }

  /** The colour `peer` announces in its awareness state, if any. */
  announcedColor(peer: Peer): string | null {
    const color = this.#announcedUser(peer)?.color
    return typeof color === 'string' ? color.slice(0, 32) : null
  }

  #announcedUser(peer: Peer): { name?: unknown; color?: unknown } | null {
    for (const clientId of this.#peers.get(peer) ?? []) {
      const user = (this.awareness.getStates().get(clientId) as { user?: { name?: unknown; color?: unknown } } | undefined)?.user
      if (user) return user
    }
    return null
  }

  /** Let `peer` in: send the server's state vector and everyone's awareness. */
  add(peer: Peer): void {
    if (this.#destroyed) throw new ConnectionError(CloseCode.StorageUnavailable, `room ${this.name} is no longer available`)
    this.#peers.set(peer, new Set())
    peer.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    const states = this.awareness.getStates()
    if (states.size > 0) {
      peer.send(encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])))
    }
  }

  /** Let `peer` out and remove its cursors for everyone at once. */
  remove(peer: Peer): void {
    const clientIds = this.#peers.get(peer)
    if (!clientIds) return
    this.#peers.delete(peer)
    if (clientIds.size > 0 && !this.#destroyed) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...clientIds], null)
    }
  }

  /**
   * Handle one binary frame from `peer`.
   * @throws {ConnectionError} when the frame is malformed or its update is rejected; the caller closes
   * the connection with the error's code. Nothing of a rejected frame is applied or stored.
   */
  receive(peer: Peer, bytes: Uint8Array): void {
    this.handle(peer, decodeFrame(bytes))
  }

  /** Handle one decoded message from `peer`; see {@link receive}. */
  handle(peer: Peer, message: CollabMessage): void {
    if (!this.#peers.has(peer) || this.#destroyed) return
    switch (message.type) {
      case MessageType.Sync:
        if (message.step === SyncStep.Step1) this.#answerSyncStep1(peer, message.data)
        else if (peer.access === 'read') this.#dropUpdate(peer)
        else this.#applyUpdate(peer, message.data)
        return
      case MessageType.Awareness:
        this.#applyAwareness(peer, message.data)
        return
      case MessageType.QueryAwareness: {
        const ids = [...this.awareness.getStates().keys()]
        if (ids.length > 0) peer.send(encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)))
        return
      }
      case MessageType.Auth:
        // Auth messages flow from server to client only; a client sending one is ignored, as in y-websocket.
        return
      case MessageType.Channel:
        // Channel frames belong to the connection's notification session, not to the document.
        throw new ConnectionError(CloseCode.UnknownMessageType, 'channel frames are not handled by rooms')
    }
  }

  /** Record where the log stands after a write. */
  notePersisted(result: AppendResult): void {
    this.persisted.lastSeq = result.lastSeq
    this.persisted.logRows = result.logRows
    this.persisted.logBytes = result.logBytes
  }

  /** Close every connection, e.g. on shutdown or when storage failed. */
  closeAll(code: CloseCode, reason: string): void {
    for (const peer of [...this.#peers.keys()]) peer.close(code, reason)
  }

  /** Free the doc, awareness and timers. The room is unusable afterwards. */
  destroy(): void {
    if (this.#destroyed) return
    this.#destroyed = true
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    this.#peers.clear()
    this.awareness.destroy()
    this.doc.destroy()
  }

  #answerSyncStep1(peer: Peer, stateVector: Uint8Array): void {
    let missing: Uint8Array
    try {
      missing = Y.encodeStateAsUpdate(this.doc, stateVector)
    } catch (error) {
      throw new ConnectionError(CloseCode.MalformedMessage, 'undecodable state vector', { cause: error })
    }
    const reply = encodeSyncStep2(missing)
    // The reply may contain updates applied this turn: send it once they are durable.
    this.#deps.writer.afterPersist(this.name, () => peer.send(reply))
  }

  #dropUpdate(peer: Peer): void {
    this.droppedUpdates++
    this.#deps.onDroppedUpdate?.(this, peer)
  }

  #applyAwareness(peer: Peer, update: Uint8Array): void {
    const limits = this.#deps.awarenessLimits ?? { maxEntries: 16, maxStateBytes: 8192 }
    let guarded
    try {
      guarded = guardAwarenessUpdate(update, {
        ownedByOther: (clientId, clock) => this.#ownedByOther(peer, clientId, clock),
        stamp: peer.identity.kind === 'user' ? { name: peer.identity.name, color: peer.identity.color } : null,
        ...limits,
      })
      if (guarded.update) awarenessProtocol.applyAwarenessUpdate(this.awareness, guarded.update, peer)
    } catch (error) {
      throw new ConnectionError(CloseCode.MalformedMessage, 'undecodable awareness update', { cause: error })
    }
  }

  /**
   * Whether `clientId` belongs to a connection other than `peer`. One exception: a connection of the
   * *same* user (same token subject; in open mode everyone is the same anonymous user) sending a
   * *newer* clock takes the id over — that is a client back on a new socket before its old one was
   * noticed dead. Stock clients also echo others' states back with the clock they received, which
   * never passes as newer, so an echo cannot steal a cursor.
   */
  #ownedByOther(peer: Peer, clientId: number, clock: number): boolean {
    for (const [other, ids] of this.#peers) {
      if (other === peer || !ids.has(clientId)) continue
      const newer = clock > (this.awareness.meta.get(clientId)?.clock ?? -1)
      if (!sameUser(other, peer) || !newer) return true
      ids.delete(clientId)
    }
    return false
  }

  #applyUpdate(peer: Peer, update: Uint8Array): void {
    try {
      // Decoding first catches garbled bytes before anything touches the document.
      Y.decodeUpdate(update)
      Y.applyUpdate(this.doc, update, peer)
    } catch (error) {
      throw new ConnectionError(CloseCode.InvalidUpdate, 'document update rejected by Yjs', { cause: error })
    }
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    const writer = this.#deps.writer
    this.lastActivity = Date.now()
    writer.enqueue(this.name, update)
    if (this.#outgoingGeneration !== writer.generation) {
      // First update of this write batch: relay the batch's updates together once it has committed.
      const batch: Outgoing[] = []
      this.#outgoing = batch
      this.#outgoingGeneration = writer.generation
      writer.afterPersist(this.name, () => this.#relay(batch))
    }
    this.#outgoing.push({ update, origin })
    this.#deps.onDocumentChange?.(this)
  }

  /** Send each run of updates from one origin as one merged frame, encoded once for all peers. */
  #relay(batch: Outgoing[]): void {
    let start = 0
    while (start < batch.length) {
      const origin = batch[start]!.origin
      let end = start + 1
      while (end < batch.length && batch[end]!.origin === origin) end++
      const updates = batch.slice(start, end).map((item) => item.update)
      const frame = encodeSyncUpdate(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates))
      for (const peer of this.#peers.keys()) {
        if (peer !== origin) peer.send(frame)
      }
      start = end
    }
  }

  readonly #onAwarenessUpdate = ({ added, updated, removed }: AwarenessChange, origin: unknown): void => {
    const owned = this.#peers.get(origin as Peer)
    if (owned) {
      // The guard let through only ids nobody else owns, so everything this peer set is now its own.
      for (const id of added) owned.add(id)
      for (const id of updated) owned.add(id)
      for (const id of removed) owned.delete(id)
    }
    const changed = [...added, ...updated, ...removed]
    const frame = encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed))
    // Sent to the sender too, as the stock y-websocket server does: a client alone in a room otherwise
    // hears nothing for 30 s and its provider drops the connection as dead.
    for (const peer of this.#peers.keys()) peer.send(frame)
    this.#notePresence()
  }
}

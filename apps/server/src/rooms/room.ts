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
  encodeReadOnlyAccess,
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

import { closeCodeFor, closeReasonFor, ConnectionError } from '../errors.js'
import type { AppendResult, StoredDocument } from '../storage/document-store.js'
import { TokenBucket } from '../token-bucket.js'
import { guardAwarenessUpdate, MAX_USER_COLOR_LENGTH, MAX_USER_NAME_LENGTH } from './awareness-guard.js'
import { type LoadedDocument, loadNow } from './document-loader.js'
import { DEFAULT_MIRROR_STRUCTS, type DocumentMirrors, type MirrorResult, type MirrorSource } from './document-mirrors.js'
import { EncodeBudget } from './encode-budget.js'
import {
  arrayValuesIn,
  DIRECT_INTEGRATION_STEPS,
  type IncomingSize,
  integrationSteps,
  localIntegrationSteps,
  pendingBytes,
  structCount,
} from './integration-cost.js'
import type { IntegrationProbe, ProbeOutcome } from './integration-probe.js'
import { isPeer, type Peer } from './peer.js'
import { inspectUpdate, stateVectorProblem } from './update-problem.js'
import type { UpdateWriter } from './update-writer.js'

/** Sent to every read-only peer as it joins; the same bytes for all. */
const READ_ONLY_FRAME = encodeReadOnlyAccess()

/**
 * Whether two connections belong to one person, as far as the server can tell: the same token subject,
 * or, for anonymous connections (open mode), the same client address — everyone is anonymous there,
 * so without the address anyone could take over anyone's cursor.
 */
function sameUser(a: Peer, b: Peer): boolean {
  return ownerKey(a) === ownerKey(b)
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

/** A sync message (step 1, step 2 or update). */
type SyncMessage = CollabMessage & { type: typeof MessageType.Sync }

interface Outgoing {
  update: Uint8Array
  origin: unknown
}

/** Origin of the updates the server makes itself; relayed to every peer. */
const SERVER_ORIGIN = Symbol('server')

/** Origin of updates another node of the cluster stored: relayed to every peer, never stored again. */
const REMOTE_ORIGIN = Symbol('remote')

/** Origin of awareness changes another node of the cluster sent: relayed to local peers, never sent back. */
interface RemoteAwareness {
  readonly node: string
  readonly owner: string
}

/** Origin of the removal of a leaving connection's awareness entries. */
interface Leaving {
  readonly leaving: Peer
}

/**
 * Who owns a connection's awareness entries, as a string another node can compare: the token
 * subject, or for anonymous connections the client address (see {@link sameUser}).
 */
function ownerKey(peer: Peer): string {
  return peer.identity.kind === 'anonymous' ? `a:${peer.address ?? ''}` : `u:${peer.identity.id}`
}

/** A sync step 2 carrying an empty update: answers a step 1 coalesced into an earlier one. */
const EMPTY_SYNC_STEP2 = encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc()))

/**
 * After encoding a sync answer that took `t` ms, the same connection's next answer waits `t × this`:
 * one connection can spend at most a tenth of the process on answers, however it varies its state
 * vectors. Cheap answers (cache hits, small diffs of an up-to-date client) cost no noticeable wait.
 */
const ANSWER_PACING_FACTOR = 9

/** Bytes of changes after which a document not yet mirrored is counted again. */
const MIRROR_CHECK_BYTES = 32 * 1024
/** Times one room seeds a mirror (the first, then after the worker lost it); then it encodes on the main thread. */
const MAX_MIRROR_SEEDS = 3
/** How long an answer waits when the mirror worker has too many queued. */
const MIRROR_BUSY_RETRY_MS = 10

/** An answer the mirror worker is encoding, shared by every connection asking the same at the same version. */
interface AnswerInFlight {
  version: number
  stateVector: Uint8Array
  result: Promise<{ frame: Uint8Array; ms: number } | 'busy' | null>
}

/**
 * Stock y-websocket clients send every awareness change they receive straight back. Each awareness
 * frame the room sends a connection earns it credit for one echo of about that size, which its
 * budget does not pay for; the credit is capped so a client that never echoes cannot hoard it.
 */
const MAX_ECHO_CREDIT = { frames: 1024, bytes: 8 * 1024 * 1024 }

/** How long y-protocols keeps a state without renewal; removed ids' clocks are kept as long. */
const AWARENESS_TOMBSTONE_MS = 30_000

/** What a room knows about one connection. */
interface PeerState {
  /** Awareness client ids the connection introduced (removed for everyone when it leaves). */
  awarenessIds: Set<number>
  /** Sync step 1s waiting for their answer: the first state vector and how many arrived. */
  syncAnswer: { stateVector: Uint8Array; count: number } | null
  /** `performance.now()` before which this connection's next answer is not encoded. */
  nextAnswerAt: number
  /** The last sync answer sent to it (a cached frame: the same object means the same answer). */
  lastAnswer: Uint8Array | null
  /** Whether its answer is being encoded off the main thread; later step 1s wait for it. */
  answering: boolean
  /** Awareness echoes (frames, and their bytes) this connection may send without them counting against its budget. */
  echoFrames: number
  echoBytes: number
  /** Main-thread milliseconds its document updates may cost the server (see {@link RoomDeps.maxApplyMsPerMinute}). */
  applyBudget: TokenBucket
  /** Its sync messages (and their bytes) the room holds behind a measurement. */
  heldMessages: number
  heldBytes: number
}

/**
 * What became of a message: `refused` when all or part of it was dropped (a read-only peer's update,
 * awareness entries for someone else's id, over-size states...), which connections count; `echo` when
 * it only repeated awareness the room had sent it, which connections do not charge to their budget.
 */
export type Verdict = 'accepted' | 'refused' | 'echo'

/** Log position of the room's document after its last write or compaction. */
export interface PersistedLog {
  lastSeq: number
  logRows: number
  logBytes: number
  /**
   * Bytes of the last stored snapshot as Yjs encoded it (before the store compressed it); with
   * `logBytes`, what `MAX_DOCUMENT_BYTES` counts.
   */
  snapshotBytes: number
}

/** Limits on awareness updates. */
export interface AwarenessLimits {
  /** Entries one message may carry. */
  maxEntries: number
  /** Size of one state, in UTF-8 bytes of JSON. */
  maxStateBytes: number
  /** Client ids one connection may introduce; one more closes it with `RateLimited`. */
  maxIdsPerConnection: number
  /** Client ids all connections of a room may hold; new ids past it are left out (not shown). */
  maxIdsPerRoom: number
}

const DEFAULT_AWARENESS_LIMITS: AwarenessLimits = { maxEntries: 16, maxStateBytes: 8192, maxIdsPerConnection: 4, maxIdsPerRoom: 256 }

/** Default of {@link RoomDeps.maxPendingUpdateBytes}. */
const DEFAULT_MAX_PENDING_UPDATE_BYTES = 64 * 1024
/** Default of {@link RoomDeps.maxUpdateStructs}. */
const DEFAULT_MAX_UPDATE_STRUCTS = 4096
/** Default of {@link RoomDeps.maxApplyMsPerMinute}. */
const DEFAULT_MAX_APPLY_MS_PER_MINUTE = 1000
/**
 * Document messages a room holds while an update is measured, per connection and for everyone; one
 * more closes its sender with 4429. A connection's inbound budget (200 frames, 1 MiB a second by
 * default) fills its share only if a measurement takes seconds.
 */
const MAX_HELD = { perConnection: { messages: 256, bytes: 2 * 1024 * 1024 }, room: { messages: 4096, bytes: 8 * 1024 * 1024 } }
/** Main-thread time per event-loop turn for handling held messages once the measurement is over. */
const RELEASE_MS_PER_TURN = 5

/** What a room needs from its registry. */
export interface RoomDeps {
  writer: UpdateWriter
  awarenessLimits?: AwarenessLimits
  /**
   * Bytes of updates Yjs may hold back because they depend on changes the room never received
   * (pending structs and deletes). Yjs re-reads pending deletes on every later update and re-merges
   * pending structs, so this is CPU for everyone in the room as well as memory.
   */
  maxPendingUpdateBytes?: number
  /** Most structs, deleted ranges and clients one update may carry; more is refused with 4002. Default 4,096. */
  maxUpdateStructs?: number
  /**
   * Most bytes the document may take (`MAX_DOCUMENT_BYTES`): its last snapshot as Yjs encoded it
   * (uncompressed, so highly compressible text cannot grow the document in memory past it), its
   * update log, and what is on its way there. An update that inserts anything and would take it
   * past the limit is refused with `DocumentFull` (4413) before any of it is applied. Updates that
   * only delete are always taken, so a full document can still be cut down. No limit when absent.
   */
  maxDocumentBytes?: number
  /** Called when an update was refused because the document is full (the registry compacts its log). */
  onFull?: (room: Room) => void
  /**
   * Main-thread milliseconds one connection's document updates may cost per minute (a bucket that
   * refills continuously). Yjs resolves concurrent inserts at one spot by scanning the ones already
   * there, so crafted updates can cost seconds however small; the connection whose updates cost more
   * is closed with 4429 once the one that overdrew has been applied. Default 1,000.
   */
  maxApplyMsPerMinute?: number
  /**
   * Called when Yjs failed after changing the document, so memory and storage disagree; the registry
   * closes the room and reloads it from storage on the next join.
   */
  onCorrupted?: (room: Room, error: unknown) => void
  /** Main-thread time for encoding sync answers, shared by every room of the process. */
  encodeBudget?: EncodeBudget
  /**
   * Times updates whose cost {@link integrationSteps} cannot bound under `directIntegrationSteps` in a
   * worker before the room integrates them (see `integration-probe.ts`); the room's document messages
   * wait meanwhile. Without a probe every update is integrated directly.
   */
  probe?: IntegrationProbe
  /**
   * Encodes large documents off the main thread (see `document-mirrors.ts`): sync answers and
   * compaction snapshots of a room with at least `mirrorStructs` structs come from its mirror.
   */
  mirrors?: DocumentMirrors
  /** Structs from which a document is mirrored. Default {@link DEFAULT_MIRROR_STRUCTS}. */
  mirrorStructs?: number
  /** Struct visits an update may be bounded by and be integrated unmeasured. Default {@link DIRECT_INTEGRATION_STEPS}. */
  directIntegrationSteps?: number
  /** Called when a message handled after waiting its turn was refused; the room has closed the connection. */
  onRefused?: (room: Room, peer: Peer, error: unknown) => void
  /** Called when a read-only peer's update was dropped. */
  onDroppedUpdate?: (room: Room, peer: Peer) => void
  /** Called after every change this node makes to the document (not other nodes'), with the connection that made it (`null`: the server). */
  onDocumentChange?: (room: Room, author: Peer | null) => void
  /** Called when the set of people present (names and colours in awareness) changed. */
  onPresenceChange?: (room: Room) => void
  /**
   * Called with every awareness change of this node's connections (`update` as y-protocols encodes
   * it, `owner` from {@link ownerKey}), for other nodes of a cluster.
   */
  onAwarenessChange?: (room: Room, update: Uint8Array, owner: string) => void
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
  readonly #peers = new Map<Peer, PeerState>()
  readonly #deps: RoomDeps
  readonly #awarenessLimits: AwarenessLimits
  readonly #encodeBudget: EncodeBudget
  #outgoing: Outgoing[] = []
  #outgoingGeneration = -1
  #destroyed = false
  /** Increases with every document change; tells whether a cached sync answer is still current. */
  #version = 0
  /** The last sync step 2 encoded, reused for the same state vector while the document is unchanged. */
  #answerCache: { version: number; stateVector: Uint8Array; frame: Uint8Array } | null = null
  #answerInFlight: AnswerInFlight | null = null
  /** Bytes of changes since the document's size was last compared with `mirrorStructs`. */
  #changeBytes = 0
  #mirrorCheckScheduled = false
  #mirrorSeeds = 0
  /** Every awareness state as framed for joiners and queries, until awareness next changes. */
  #allAwarenessFrames: Uint8Array[] | null = null
  /** Connections whose updates left something pending in Yjs; pending state is dropped when all left. */
  readonly #pendingContributors = new Set<Peer>()
  #nextMetaSweep = 0
  /** The probe's and the mirrors' name for this room's document. */
  readonly #mirrorKey: string
  /** Values in the document's array contents, or more (see `integration-cost.ts`). */
  #arrayValues = 0
  /** Whether an update is being measured off the main thread; document messages wait in {@link #held}. */
  #measuring = false
  /** Document messages that arrived while an update was measured, in arrival order. */
  #held: Array<{ peer: Peer; message: SyncMessage }> = []
  /** Connections refused after a held message: the rest of what they sent is dropped. */
  readonly #refused = new WeakSet<Peer>()
  #heldBytes = 0
  #releaseScheduled = false
  /** Awareness entries of other nodes' connections: their node and owner (see {@link ownerKey}). */
  readonly #remoteOwners = new Map<number, RemoteAwareness>()
  /** Joins promised by the registry but not yet made; a reserved room is never unloaded. */
  reservations = 0
  idleTimer: NodeJS.Timeout | null = null
  /** The compaction queued or running, if any. */
  compaction: Promise<void> | null = null
  lastActivity = Date.now()
  /** Document updates dropped because their sender may only read. */
  droppedUpdates = 0
  readonly persisted: PersistedLog

  /**
   * A room for the document stored as `stored`. `loaded` is that document already built (see
   * `document-loader.ts`); without it, `stored` is applied here, in one go. Nothing listens to the
   * document while it loads, so loading never writes it back.
   */
  constructor(name: string, stored: StoredDocument | null, deps: RoomDeps, loaded: LoadedDocument = loadNow(name, stored)) {
    this.name = name
    this.#deps = deps
    this.#awarenessLimits = { ...DEFAULT_AWARENESS_LIMITS, ...deps.awarenessLimits }
    this.#encodeBudget = deps.encodeBudget ?? new EncodeBudget()
    this.#mirrorKey = loaded.key
    this.doc = loaded.doc
    this.persisted = { lastSeq: loaded.log.lastSeq, logRows: loaded.log.rows, logBytes: loaded.log.bytes, snapshotBytes: 0 }
    const mirrors = deps.mirrors
    if (mirrors && (loaded.mirrored || loaded.parts.length > 0)) {
      const large = structCount(this.doc) >= this.#mirrorStructs
      if (loaded.mirrored) {
        // The worker that loaded it keeps it mirrored, if it is large enough to be worth a copy.
        if (large) this.#mirrorSeeds++
        else mirrors.forget(this.#mirrorKey)
      } else if (large) {
        // Mirrored from the bytes just read: no encoding here.
        this.#seedMirror(mirrors, loaded.parts)
      }
    }
    this.#arrayValues = loaded.arrayValues ?? arrayValuesIn(this.doc)
    this.doc.on('afterTransactionCleanup', this.#noteTransaction)
    this.doc.on('update', this.#onDocUpdate)
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    // The server is not a participant: it has no cursor of its own.
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.#onAwarenessUpdate)
  }

  /** Whether the document holds anything: some change was ever made to it, even if later deleted. */
  get hasContent(): boolean {
    return this.doc.store.clients.size > 0
  }

  /** Apply an update the server makes itself (a new document's first content); it is stored and relayed like any other. */
  applyServerUpdate(update: Uint8Array): void {
    if (this.#destroyed) throw new ConnectionError(CloseCode.StorageUnavailable, `room ${this.name} is no longer available`)
    Y.applyUpdate(this.doc, update, SERVER_ORIGIN)
  }

  /**
   * Change the document as the server does (a restore): `change` gets the doc and the origin to
   * transact with; what it changes is stored and relayed to every peer like any other change.
   */
  changeAsServer<T>(change: (doc: Y.Doc, origin: unknown) => T): T {
    if (this.#destroyed) throw new ConnectionError(CloseCode.StorageUnavailable, `room ${this.name} is no longer available`)
    return change(this.doc, SERVER_ORIGIN)
  }

  /**
   * Apply an update another node of the cluster stored (or that this node read back from the store):
   * relayed to every peer at once, never stored again. Yjs skips what the document already holds.
   */
  applyRemoteUpdate(update: Uint8Array): void {
    if (this.#destroyed) return
    try {
      Y.applyUpdate(this.doc, update, REMOTE_ORIGIN)
    } catch (error) {
      // Stored bytes Yjs cannot apply: whatever it integrated before failing is in memory only.
      if (this.#unemittedChange) this.#deps.onCorrupted?.(this, error)
      throw error
    }
  }

  /** Apply awareness entries of another node's connection (`owner`, see {@link ownerKey}); relayed to local peers. */
  applyRemoteAwareness(node: string, owner: string, update: Uint8Array): void {
    if (this.#destroyed) return
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, { node, owner } satisfies RemoteAwareness)
  }

  /** Remove the awareness entries of other nodes' connections on nodes not in `live` (they died). */
  dropAwarenessOfNodesNotIn(live: ReadonlySet<string>): void {
    if (this.#destroyed) return
    const gone = [...this.#remoteOwners].filter(([, { node }]) => !live.has(node)).map(([id]) => id)
    if (gone.length === 0) return
    for (const id of gone) this.#remoteOwners.delete(id)
    const present = gone.filter((id) => this.awareness.states.has(id))
    if (present.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, present, REMOTE_ORIGIN)
  }

  /** This node's connections' awareness entries, one update per connection holding any, for another node that asked. */
  localAwareness(): Array<{ owner: string; update: Uint8Array }> {
    const result = []
    for (const [peer, state] of this.#peers) {
      const ids = [...state.awarenessIds].filter((id) => this.awareness.states.has(id))
      if (ids.length > 0) result.push({ owner: ownerKey(peer), update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) })
    }
    return result
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
  /** `name NUL colour` of every awareness entry that announces a name, by client id. */
  readonly #announced = new Map<number, string>()

  /** Note that the entries `changed` changed, and tell the room's owner if who is present did (and `notify`). */
  #notePresence(changed: readonly number[], notify: boolean): void {
    if (!this.#deps.onPresenceChange) return
    let touched = false
    for (const clientId of changed) {
      // States passed the awareness guard, but this runs in event handlers (even a socket's close): it
      // must not throw whatever a state holds, so every field is checked, never converted.
      const user = userOf(this.awareness.getStates().get(clientId))
      const announced = typeof user?.name === 'string' ? `${user.name}\u0000${typeof user.color === 'string' ? user.color : ''}` : undefined
      if (announced === this.#announced.get(clientId)) continue
      touched = true
      if (announced === undefined) this.#announced.delete(clientId)
      else this.#announced.set(clientId, announced)
    }
    // A cursor move leaves every name as it was: only a changed name, colour, arrival or departure
    // costs the sort (two people trading names leave the signature as it was).
    if (!touched) return
    const signature = [...this.#announced.values()].sort().join('\u0001')
    if (signature === this.#presence) return
    this.#presence = signature
    if (notify) this.#deps.onPresenceChange(this)
  }

  /** The name `peer` announces in its awareness state, if any. */
  announcedName(peer: Peer): string | null {
    const name = this.#announcedUser(peer)?.name
    return typeof name === 'string' ? name.slice(0, MAX_USER_NAME_LENGTH) : null
  }

  /** The colour `peer` announces in its awareness state, if any. */
  announcedColor(peer: Peer): string | null {
    const color = this.#announcedUser(peer)?.color
    return typeof color === 'string' ? color.slice(0, MAX_USER_COLOR_LENGTH) : null
  }

  #announcedUser(peer: Peer): { name?: unknown; color?: unknown } | null {
    for (const clientId of this.#peers.get(peer)?.awarenessIds ?? []) {
      const user = userOf(this.awareness.getStates().get(clientId))
      if (user) return user
    }
    return null
  }

  /**
   * Let `peer` in: tell a read-only peer so (before anything else, so an editor knows before it
   * syncs), then send the server's state vector and everyone's awareness.
   */
  add(peer: Peer): void {
    if (this.#destroyed) throw new ConnectionError(CloseCode.StorageUnavailable, `room ${this.name} is no longer available`)
    const state = this.#newPeerState()
    this.#peers.set(peer, state)
    if (peer.access === 'read') peer.send(READ_ONLY_FRAME)
    peer.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    this.#sendAllAwareness(peer, state)
  }

  /**
   * Every awareness state, in frames of at most `maxEntries` states: a stock client sends each frame
   * straight back, and one frame holding a full room (256 states of 8 KB) would come back larger than
   * the server accepts, closing the client that only echoed it.
   */
  #sendAllAwareness(peer: Peer, state: PeerState): void {
    // Encoded once per change, not once per request: a query costs a client one byte and the room up
    // to every state it holds (256 × 8 KB by default).
    if (!this.#allAwarenessFrames) {
      const ids = [...this.awareness.getStates().keys()]
      const size = this.#awarenessLimits.maxEntries
      this.#allAwarenessFrames = []
      for (let start = 0; start < ids.length; start += size) {
        this.#allAwarenessFrames.push(
          encodeAwarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids.slice(start, start + size))),
        )
      }
    }
    for (const frame of this.#allAwarenessFrames) {
      if (!peer.readyToSend()) return
      this.#sendAwareness(peer, state, frame)
    }
  }

  #sendAwareness(peer: Peer, state: PeerState, frame: Uint8Array): void {
    peer.send(frame)
    state.echoFrames = Math.min(MAX_ECHO_CREDIT.frames, state.echoFrames + 1)
    state.echoBytes = Math.min(MAX_ECHO_CREDIT.bytes, state.echoBytes + frame.byteLength)
  }

  /**
   * Let `peer` out and remove its cursors for everyone at once. Runs in socket `close` handlers, so
   * nothing a client sent may make it throw.
   */
  remove(peer: Peer): void {
    const state = this.#peers.get(peer)
    if (!state) return
    this.#peers.delete(peer)
    if (this.#destroyed) return
    this.#dropHeldOf(peer)
    this.#dropPendingOf(peer)
    const present = [...state.awarenessIds].filter((id) => this.awareness.states.has(id))
    // The removal's clock is kept (a tombstone) from now on, so late echoes of the old state are ignored.
    const now = Date.now()
    for (const id of state.awarenessIds) {
      const meta = this.awareness.meta.get(id)
      if (meta) meta.lastUpdated = now
    }
    if (present.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, present, { leaving: peer } satisfies Leaving)
    this.#sweepAwarenessMeta(now)
  }

  /**
   * Handle one binary frame from `peer`.
   * @throws {ConnectionError} when the frame is malformed or its update is rejected; the caller closes
   * the connection with the error's code. Nothing of a rejected frame is applied or stored.
   */
  receive(peer: Peer, bytes: Uint8Array): Verdict {
    return this.handle(peer, decodeFrame(bytes))
  }

  /**
   * Handle one decoded message from `peer`; see {@link receive}. Messages of a peer that is closing
   * are ignored: after a connection is refused, nothing it sent next may still be applied.
   */
  handle(peer: Peer, message: CollabMessage): Verdict {
    const state = this.#peers.get(peer)
    if (!state || this.#destroyed || !peer.open) return 'accepted'
    switch (message.type) {
      case MessageType.Sync:
        // Behind an update being measured, in order: a step 1 is answered after the updates sent before it.
        if ((this.#measuring || this.#held.length > 0) && (message.step === SyncStep.Step1 || peer.access === 'write')) {
          this.#hold(peer, state, message)
          return 'accepted'
        }
        return this.#handleSync(peer, state, message)
      case MessageType.Awareness:
        return this.#applyAwareness(peer, state, message.data)
      case MessageType.QueryAwareness:
        this.#sendAllAwareness(peer, state)
        return 'accepted'
      case MessageType.Auth:
        // Auth messages flow from server to client only; a client sending one is ignored, as in y-websocket.
        return 'accepted'
      case MessageType.Channel:
        // Channel frames belong to the connection's notification session, not to the document.
        throw new ConnectionError(CloseCode.UnknownMessageType, 'channel frames are not handled by rooms')
    }
  }

  #handleSync(peer: Peer, state: PeerState, message: SyncMessage): Verdict {
    if (message.step === SyncStep.Step1) {
      this.#queueSyncAnswer(peer, state, message.data)
      return 'accepted'
    }
    if (peer.access === 'read') {
      this.#dropUpdate(peer)
      // A reader's handshake reply carries no structs (just the delete set Yjs always writes): dropped,
      // but not held against it. Anything with structs is an edit it may not make.
      return message.data[0] === 0 ? 'accepted' : 'refused'
    }
    this.#applyUpdateFrom(peer, message.data)
    return 'accepted'
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
    this.#held = []
    this.#heldBytes = 0
    this.#deps.probe?.forget(this.#mirrorKey)
    this.#deps.mirrors?.forget(this.#mirrorKey)
    this.awareness.destroy()
    this.doc.destroy()
  }

  /**
   * Queue the answer to a sync step 1. The answer (a step 2) must reach the peer only once every
   * update it sent before is durable, and carry nothing that is not: that is the "Saved" contract.
   * A connection has at most one answer waiting; step 1s arriving meanwhile join it, and it is
   * encoded once, when it is sent, so a burst of step 1s costs one encoding, not one per frame; a
   * connection's answers are paced by what they cost ({@link ANSWER_PACING_FACTOR}).
   */
  #queueSyncAnswer(peer: Peer, state: PeerState, stateVector: Uint8Array): void {
    const problem = stateVectorProblem(stateVector)
    if (problem) throw new ConnectionError(CloseCode.MalformedMessage, `undecodable state vector: ${problem}`)
    if (state.syncAnswer) {
      // A client's state vector only grows, so the first one asks for the most: its answer covers the rest.
      state.syncAnswer.count++
      return
    }
    // A copy: the frame's buffer is not ours to keep alive until the answer goes out.
    state.syncAnswer = { stateVector: stateVector.slice(), count: 1 }
    this.#deps.writer.afterPersist(this.name, () => this.#sendSyncAnswer(peer))
  }

  #sendSyncAnswer(peer: Peer): void {
    const state = this.#peers.get(peer)
    const answer = state?.syncAnswer
    if (!state || !answer || this.#destroyed || state.answering) return
    const wait = state.nextAnswerAt - performance.now()
    if (wait > 0) {
      setTimeout(() => this.#sendSyncAnswer(peer), wait).unref()
      return
    }
    // Updates that arrived after this answer's batch are in the doc but not on disk yet; the answer is
    // encoded from the doc, so it waits for them too (and keeps collecting step 1s meanwhile).
    if (this.#deps.writer.hasUnpersisted(this.name)) {
      this.#deps.writer.afterPersist(this.name, () => this.#sendSyncAnswer(peer))
      return
    }
    // Many connections asking at once share one allowance per turn; the rest wait for the next turn.
    if (!this.#encodeBudget.available) {
      this.#encodeBudget.defer(() => this.#sendSyncAnswer(peer))
      return
    }
    state.syncAnswer = null
    if (!peer.readyToSend()) return
    const started = performance.now()
    const stateVector = this.#relevantStateVector(answer.stateVector)
    const cached = this.#answerCache
    if (cached && cached.version === this.#version && equalBytes(cached.stateVector, stateVector)) {
      this.#deliverAnswer(peer, state, answer.count, cached.frame, performance.now() - started)
      // Sending a large frame costs too, if less than encoding it: a cached answer still uses up the turn.
      this.#encodeBudget.charge(performance.now() - started)
      return
    }
    if (this.#mirrored()) {
      this.#answerOffThread(peer, state, answer, stateVector)
      return
    }
    const frame = encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector))
    this.#answerCache = { version: this.#version, stateVector, frame }
    this.#deliverAnswer(peer, state, answer.count, frame, performance.now() - started)
    this.#encodeBudget.charge(performance.now() - started)
  }

  /**
   * Answer from the document's mirror. The answer is the document as of now (everything in it is
   * durable: see {@link #sendSyncAnswer}); changes made while the worker encodes reach the peer as
   * ordinary updates, possibly before the answer, which Yjs on the client puts in order.
   */
  #answerOffThread(peer: Peer, state: PeerState, answer: { stateVector: Uint8Array; count: number }, stateVector: Uint8Array): void {
    const version = this.#version
    let inFlight = this.#answerInFlight
    if (!inFlight || inFlight.version !== version || !equalBytes(inFlight.stateVector, stateVector)) {
      // Framed by the worker (a copy of the whole answer less here), once for everyone asking, so each
      // connection can tell a repeat by identity.
      const result = this.#deps
        .mirrors!.encode(this.#mirrorKey, this.#mirrorSource, stateVector, 'sync-step-2')
        .then((encoded: MirrorResult) => {
          if (encoded === null || encoded === 'busy') return encoded
          const frame = encoded.update
          if (this.#version === version) this.#answerCache = { version, stateVector, frame }
          return { frame, ms: encoded.ms }
        })
      inFlight = { version, stateVector, result }
      this.#answerInFlight = inFlight
    }
    const asked = inFlight
    state.answering = true
    void asked.result.then((result) => {
      state.answering = false
      if (this.#answerInFlight === asked) this.#answerInFlight = null
      if (this.#destroyed || this.#peers.get(peer) !== state) return
      if (result === null || result === 'busy') {
        // Asked again: of the worker once it has room, of a new mirror or the main thread if it has none.
        state.syncAnswer = { stateVector: answer.stateVector, count: answer.count + (state.syncAnswer?.count ?? 0) }
        if (result === 'busy') setTimeout(() => this.#sendSyncAnswer(peer), MIRROR_BUSY_RETRY_MS).unref()
        else this.#sendSyncAnswer(peer)
        return
      }
      if (peer.readyToSend()) {
        const started = performance.now()
        this.#deliverAnswer(peer, state, answer.count, result.frame, result.ms)
        this.#encodeBudget.charge(performance.now() - started)
      }
      // Step 1s that arrived meanwhile.
      if (state.syncAnswer) this.#sendSyncAnswer(peer)
    })
  }

  /** Send `frame` as the answer to `count` step 1s, and pace the connection's next answer by what this one cost. */
  #deliverAnswer(peer: Peer, state: PeerState, count: number, frame: Uint8Array, costMs: number): void {
    state.nextAnswerAt = performance.now() + costMs * ANSWER_PACING_FACTOR
    // The very answer this connection was already sent (same document version, same state vector):
    // it has it, in order, before this one, so an empty step 2 says the same without the bytes again.
    peer.send(frame === state.lastAnswer ? EMPTY_SYNC_STEP2 : frame)
    state.lastAnswer = frame
    // One step 2 per step 1, in order, as the client counts them; the first already carried everything.
    for (let i = 1; i < count; i++) peer.send(EMPTY_SYNC_STEP2)
  }

  /**
   * The whole document as one update, e.g. for a compaction snapshot: encoded by its mirror when the
   * document is large, else here. Includes every change made before the call.
   */
  async encodeWhole(): Promise<Uint8Array> {
    for (;;) {
      if (this.#destroyed) throw new Error(`room ${this.name} was closed`)
      const result: MirrorResult = this.#mirrored() ? await this.#deps.mirrors!.encode(this.#mirrorKey, this.#mirrorSource, null) : null
      if (result === 'busy') {
        await new Promise((resolve) => setTimeout(resolve, MIRROR_BUSY_RETRY_MS))
        continue
      }
      if (result) return result.update
      // Not mirrored, or the mirror was lost meanwhile: the document only grows, so what it is now
      // still includes everything it held at the call.
      if (this.#destroyed) throw new Error(`room ${this.name} was closed`)
      return Y.encodeStateAsUpdate(this.doc)
    }
  }

  /** Structs from which the document is mirrored. */
  get #mirrorStructs(): number {
    return this.#deps.mirrorStructs ?? DEFAULT_MIRROR_STRUCTS
  }

  /**
   * Whether the document is encoded off the main thread: it is mirrored, or large enough to be and
   * now seeded with one encoding here (the last one while the mirror lives).
   */
  #mirrored(): boolean {
    const mirrors = this.#deps.mirrors
    if (!mirrors || this.#destroyed) return false
    if (mirrors.has(this.#mirrorKey)) return true
    if (this.#mirrorSeeds >= MAX_MIRROR_SEEDS || structCount(this.doc) < this.#mirrorStructs) return false
    const started = performance.now()
    const seed = Y.encodeStateAsUpdate(this.doc)
    this.#encodeBudget.charge(performance.now() - started)
    return this.#seedMirror(mirrors, [seed])
  }

  /** Mirror the document as `parts`, which make it up as it is now. */
  #seedMirror(mirrors: DocumentMirrors, parts: Uint8Array[]): boolean {
    this.#mirrorSeeds++
    return mirrors.track(this.#mirrorKey, parts, this.#mirrorSource)
  }

  /** The document as its mirror catches up with it. */
  get #mirrorSource(): MirrorSource {
    return { doc: this.doc, version: this.#version }
  }

  /**
   * See (in a later turn, off Yjs' call) whether a document not mirrored yet has grown large enough
   * for a mirror, every {@link MIRROR_CHECK_BYTES} of changes: seeding it costs one encoding, which
   * stays near the threshold's ~5 ms however fast the document grows.
   */
  #noteGrowth(update: Uint8Array): void {
    const mirrors = this.#deps.mirrors
    if (!mirrors || mirrors.has(this.#mirrorKey)) return
    this.#changeBytes += update.byteLength
    if (this.#changeBytes < MIRROR_CHECK_BYTES || this.#mirrorCheckScheduled) return
    this.#changeBytes = 0
    this.#mirrorCheckScheduled = true
    setImmediate(() => {
      this.#mirrorCheckScheduled = false
      this.#mirrored()
    })
  }

  /**
   * The part of a client's state vector that changes the answer, in one canonical encoding: clients
   * the document does not know are left out and clocks past the document's are lowered to it, which
   * gives the same answer. So state vectors made up to dodge the cache (unknown client ids, huge
   * clocks) all hit the one answer a fresh client gets.
   */
  #relevantStateVector(asked: Uint8Array): Uint8Array {
    const relevant = new Map<number, number>()
    for (const [client, clock] of Y.decodeStateVector(asked)) {
      const known = Math.min(clock, Y.getState(this.doc.store, client))
      if (known > 0) relevant.set(client, known)
    }
    return Y.encodeStateVector(new Map([...relevant].sort(([a], [b]) => a - b)))
  }

  #dropUpdate(peer: Peer): void {
    this.droppedUpdates++
    this.#deps.onDroppedUpdate?.(this, peer)
  }

  #applyAwareness(peer: Peer, state: PeerState, update: Uint8Array): Verdict {
    const limits = this.#awarenessLimits
    const meta = this.awareness.meta
    let guarded
    try {
      guarded = guardAwarenessUpdate(update, {
        knownClock: (clientId) => meta.get(clientId)?.clock,
        present: (clientId) => this.awareness.states.has(clientId),
        ownedByOther: (clientId, clock) => this.#ownedByOther(peer, clientId, clock),
        owned: state.awarenessIds,
        roomIdCount: () => this.#awarenessIdCount(),
        addressIdCount: () => this.#awarenessIdCountFrom(peer.address ?? null),
        stamp: peer.identity.kind === 'user' ? { id: peer.identity.id, name: peer.identity.name, color: peer.identity.color } : null,
        maxEntries: limits.maxEntries,
        maxStateBytes: limits.maxStateBytes,
        maxIdsPerConnection: limits.maxIdsPerConnection,
        maxIdsPerRoom: limits.maxIdsPerRoom,
      })
    } catch (error) {
      throw new ConnectionError(CloseCode.MalformedMessage, 'undecodable awareness update', { cause: error })
    }
    if (guarded.overLimit === 'connection') {
      throw new ConnectionError(
        CloseCode.RateLimited,
        `a connection may announce at most ${limits.maxIdsPerConnection} awareness client ids`,
      )
    }
    if (guarded.update) awarenessProtocol.applyAwarenessUpdate(this.awareness, guarded.update, peer)
    this.#sweepAwarenessMeta(Date.now())
    if (guarded.dropped > 0) return 'refused'
    if (guarded.update || guarded.crowdedOut > 0 || guarded.ignored === 0 || state.echoFrames < 1 || state.echoBytes < update.byteLength)
      return 'accepted'
    state.echoFrames--
    state.echoBytes -= update.byteLength
    return 'echo'
  }

  /** Awareness ids held by connections from `address`; `null` when the address is unknown. */
  #awarenessIdCountFrom(address: string | null): number | null {
    if (address === null) return null
    let count = 0
    for (const [peer, state] of this.#peers) if ((peer.address ?? null) === address) count += state.awarenessIds.size
    return count
  }

  #awarenessIdCount(): number {
    let count = 0
    for (const state of this.#peers.values()) count += state.awarenessIds.size
    return count
  }

  /**
   * y-protocols keeps `meta` (clock, last update) for every client id it ever saw. Forget ids that
   * nobody holds and that have been gone for longer than y-protocols' own timeout; at most every few
   * seconds, so the sweep costs nothing per message.
   */
  #sweepAwarenessMeta(now: number): void {
    if (now < this.#nextMetaSweep) return
    this.#nextMetaSweep = now + AWARENESS_TOMBSTONE_MS / 6
    const held = new Set<number>()
    for (const state of this.#peers.values()) for (const id of state.awarenessIds) held.add(id)
    for (const [id, meta] of this.awareness.meta) {
      if (id === this.awareness.clientID || held.has(id) || this.awareness.states.has(id)) continue
      if (now - meta.lastUpdated >= AWARENESS_TOMBSTONE_MS) this.awareness.meta.delete(id)
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
    const remote = this.#remoteOwners.get(clientId)
    // The same holds for a connection on another node: its owner may take the id over (a client that
    // reconnected here from a node that went down), nobody else.
    if (remote && (remote.owner !== ownerKey(peer) || clock <= (this.awareness.meta.get(clientId)?.clock ?? -1))) return true
    for (const [other, { awarenessIds: ids }] of this.#peers) {
      if (other === peer || !ids.has(clientId)) continue
      const newer = clock > (this.awareness.meta.get(clientId)?.clock ?? -1)
      if (!sameUser(other, peer) || !newer) return true
      // Taken over only if the entry is applied: see #onAwarenessUpdate.
    }
    return false
  }

  /** Check `update` from `peer` (which may have left, for a held update), then integrate it now or after measuring it. */
  #applyUpdateFrom(peer: Peer, update: Uint8Array): void {
    // Yjs trusts declared counts and lengths; only an update whose structure fits its bytes reaches it.
    // Yjs then decodes everything before integrating anything, so content errors refuse it whole.
    const inspection = inspectUpdate(update)
    const { problem, parts, elements } = inspection
    if (problem) throw new ConnectionError(CloseCode.InvalidUpdate, `implausible document update: ${problem}`)
    // Yjs integrates an update in one synchronous step: its size in parts is how long it holds the loop.
    const maxParts = this.#deps.maxUpdateStructs ?? DEFAULT_MAX_UPDATE_STRUCTS
    if (parts > maxParts) {
      throw new ConnectionError(
        CloseCode.InvalidUpdate,
        `document update refused: ${parts} structs, deleted ranges and clients, at most ${maxParts} per update (MAX_UPDATE_STRUCTS)`,
      )
    }
    const maxBytes = this.#deps.maxDocumentBytes
    if (maxBytes !== undefined && inspection.structs > 0) {
      const stored = this.persisted.snapshotBytes + this.persisted.logBytes + this.#deps.writer.unwrittenBytes(this.name)
      if (stored + update.byteLength > maxBytes) {
        this.#deps.onFull?.(this)
        throw new ConnectionError(
          CloseCode.DocumentFull,
          `this document is full: it takes ${stored} bytes, at most ${maxBytes} (MAX_DOCUMENT_BYTES); nothing of the edit was stored`,
        )
      }
    }
    const probe = this.#deps.probe
    if (probe && !this.#boundedUnder(update, inspection, this.#deps.directIntegrationSteps ?? DIRECT_INTEGRATION_STEPS)) {
      this.#measure(probe, peer, update.slice(), elements)
      return
    }
    this.#integrateFrom(peer, update, elements)
  }

  /** Whether integrating `update` is bounded under `limit` steps: coarsely (free), else locally (walks up to `limit`). */
  #boundedUnder(update: Uint8Array, size: IncomingSize, limit: number): boolean {
    const structs = structCount(this.doc)
    if (integrationSteps(this.doc, size, this.#arrayValues, limit, structs) <= limit) return true
    const local = localIntegrationSteps(this.doc, update, size, this.#arrayValues, limit, structs)
    return local !== null && local <= limit
  }

  /**
   * Have `update` timed off the main thread, holding the room's document messages meanwhile (the
   * document must stay as measured), then integrate or refuse it and handle what was held.
   */
  #measure(probe: IntegrationProbe, peer: Peer, update: Uint8Array, elements: number): void {
    this.#measuring = true
    const mirrors = this.#deps.mirrors
    // A large document's probe mirror is caught up from its encoding mirror, not from an encoding here.
    const encodeOffThread =
      mirrors && this.#mirrored()
        ? (stateVector: Uint8Array | null) => mirrors.encode(this.#mirrorKey, this.#mirrorSource, stateVector).then(updateOf)
        : undefined
    probe
      .measure(this.#mirrorKey, this.doc, update, encodeOffThread)
      .catch((error: unknown): ProbeOutcome => ({ verdict: 'busy', why: String(error) }))
      .then((outcome) => {
        this.#measuring = false
        if (this.#destroyed) return
        this.#afterMeasure(probe, peer, update, elements, outcome)
        this.#releaseHeld()
      })
      .catch((error: unknown) => this.#refuse(peer, error))
  }

  #afterMeasure(probe: IntegrationProbe, peer: Peer, update: Uint8Array, elements: number, outcome: ProbeOutcome): void {
    try {
      switch (outcome.verdict) {
        case 'fits':
          // Applied even if its sender has gone since: it arrived before whatever closed the connection.
          this.#integrateFrom(peer, update, elements)
          return
        case 'too-costly':
          throw new ConnectionError(
            CloseCode.InvalidUpdate,
            `document update refused: integrating it took ${Math.round(outcome.ms)} ms, at most ${probe.maxIntegrationMs} ms per update (MAX_INTEGRATION_MS)`,
          )
        case 'rejected':
          throw new ConnectionError(CloseCode.InvalidUpdate, `document update rejected by Yjs: ${outcome.message}`)
        case 'no-mirror':
        case 'busy':
          throw new ConnectionError(
            CloseCode.RateLimited,
            `document update not applied: the server could not measure its cost now (${outcome.verdict === 'busy' ? outcome.why : 'no mirror'}); retry later`,
          )
      }
    } catch (error) {
      if (outcome.verdict === 'fits') probe.forget(this.#mirrorKey)
      this.#refuse(peer, error)
    }
  }

  /**
   * Integrate an update that waited its turn. Its sender may have left meanwhile (its update stays:
   * y-websocket has no acknowledgement, so the author may never resend it), in which case nothing
   * it leaves pending outlives the call.
   */
  #integrateFrom(peer: Peer, update: Uint8Array, elements: number): void {
    const state = this.#peers.get(peer)
    if (state) {
      this.#integrate(peer, state, update, elements)
      return
    }
    try {
      this.#integrate(peer, this.#newPeerState(), update, elements)
    } finally {
      this.#dropPendingOf(peer)
    }
  }

  #newPeerState(): PeerState {
    const applyMs = this.#deps.maxApplyMsPerMinute ?? DEFAULT_MAX_APPLY_MS_PER_MINUTE
    return {
      awarenessIds: new Set(),
      syncAnswer: null,
      nextAnswerAt: 0,
      lastAnswer: null,
      answering: false,
      echoFrames: 0,
      echoBytes: 0,
      applyBudget: new TokenBucket(applyMs, applyMs / 60),
      heldMessages: 0,
      heldBytes: 0,
    }
  }

  /**
   * Close `peer` for a message refused after it waited its turn (no caller is left to catch the
   * error). Whatever else it has waiting is dropped, as frames after a refusal always are.
   */
  #refuse(peer: Peer, error: unknown): void {
    this.#refused.add(peer)
    if (!peer.open) return
    peer.close(closeCodeFor(error), closeReasonFor(error))
    this.#deps.onRefused?.(this, peer, error)
  }

  #hold(peer: Peer, state: PeerState, message: SyncMessage): void {
    const bytes = message.data.byteLength
    const { perConnection, room } = MAX_HELD
    if (
      state.heldMessages >= perConnection.messages ||
      state.heldBytes + bytes > perConnection.bytes ||
      this.#held.length >= room.messages ||
      this.#heldBytes + bytes > room.bytes
    ) {
      throw new ConnectionError(
        CloseCode.RateLimited,
        'the room is busy measuring an update and holds too many messages already; retry later',
      )
    }
    // A copy: the frame's buffer is not ours to keep alive.
    this.#held.push({ peer, message: { ...message, data: message.data.slice() } })
    this.#heldBytes += bytes
    state.heldMessages++
    state.heldBytes += bytes
  }

  /**
   * Handle held messages in order, a few milliseconds per turn (everything held arrived in one
   * measurement's time, and is not paced by its sockets any more), until one starts another measurement.
   * Messages arriving meanwhile are held behind them.
   */
  #releaseHeld(): void {
    const deadline = performance.now() + RELEASE_MS_PER_TURN
    while (!this.#measuring && !this.#destroyed && this.#held.length > 0) {
      if (performance.now() >= deadline) {
        this.#scheduleRelease()
        return
      }
      const { peer, message } = this.#held.shift()!
      this.#heldBytes -= message.data.byteLength
      const state = this.#peers.get(peer)
      if (state) {
        state.heldMessages--
        state.heldBytes -= message.data.byteLength
      }
      if (this.#refused.has(peer)) continue
      try {
        // Updates are applied even if their sender has left since (see #integrateFrom); answers only go to those still here.
        if (message.step !== SyncStep.Step1) this.#applyUpdateFrom(peer, message.data)
        else if (state && peer.open) this.#handleSync(peer, state, message)
      } catch (error) {
        this.#refuse(peer, error)
      }
    }
  }

  #scheduleRelease(): void {
    if (this.#releaseScheduled) return
    this.#releaseScheduled = true
    setImmediate(() => {
      this.#releaseScheduled = false
      this.#releaseHeld()
    })
  }

  /** A leaving connection's held step 1s go (nobody to answer); its held updates stay (see #integrateFrom). */
  #dropHeldOf(peer: Peer): void {
    if (this.#held.length === 0) return
    this.#held = this.#held.filter((held) => held.peer !== peer || held.message.step !== SyncStep.Step1)
    this.#heldBytes = this.#held.reduce((sum, held) => sum + held.message.data.byteLength, 0)
  }

  /** Integrate `update` on the main thread, within the room's pending and time budgets. */
  #integrate(peer: Peer, state: PeerState, update: Uint8Array, elements: number): void {
    const store = this.doc.store
    const pendingBefore = pendingBytes(store)
    const saved = {
      structs: store.pendingStructs && { missing: new Map(store.pendingStructs.missing), update: store.pendingStructs.update },
      ds: store.pendingDs,
    }
    const started = performance.now()
    try {
      Y.applyUpdate(this.doc, update, peer)
    } catch (error) {
      // Thrown after integrating (while Yjs encoded the change for its 'update' event): the doc in
      // memory now holds changes nobody stored or heard of, and may fail every later encoding. Only
      // reloading what is stored makes it whole again.
      if (this.#unemittedChange) this.#deps.onCorrupted?.(this, error)
      throw new ConnectionError(CloseCode.InvalidUpdate, 'document update rejected by Yjs', { cause: error })
    }
    const spentMs = performance.now() - started
    // A long integration (up to MAX_INTEGRATION_MS) leaves less of this turn for sync answers.
    if (spentMs > 1) this.#encodeBudget.charge(spentMs)
    // Counted whether they integrated or wait pending: an upper bound is all the cost bound needs.
    this.#arrayValues += elements
    const pendingAfter = pendingBytes(store)
    if (pendingAfter > pendingBefore) {
      const budget = this.#deps.maxPendingUpdateBytes ?? DEFAULT_MAX_PENDING_UPDATE_BYTES
      if (pendingAfter > budget) {
        // What integrated had all its dependencies and stays; what waits for changes nobody sent is dropped.
        store.pendingStructs = saved.structs
        store.pendingDs = saved.ds
        throw new ConnectionError(
          CloseCode.InvalidUpdate,
          `update depends on changes the room never received (over ${budget} bytes pending)`,
        )
      }
      this.#pendingContributors.add(peer)
    }
    // The update is valid and stays (stored, relayed); a connection whose updates keep costing the
    // server this much is cut off after it, before it can send the next.
    if (!state.applyBudget.take(spentMs)) {
      throw new ConnectionError(
        CloseCode.RateLimited,
        `document updates cost the server more than ${state.applyBudget.capacity} ms per minute (MAX_APPLY_MS_PER_MINUTE)`,
      )
    }
  }

  /** Pending state lives while a connection that added to it is connected; its author resends on reconnect. */
  #dropPendingOf(peer: Peer): void {
    if (!this.#pendingContributors.delete(peer) || this.#pendingContributors.size > 0) return
    this.doc.store.pendingStructs = null
    this.doc.store.pendingDs = null
  }

  /** Bytes Yjs holds back waiting for missing dependencies. */
  get pendingUpdateBytes(): number {
    return pendingBytes(this.doc.store)
  }

  /** Whether the last transaction changed the document without (yet) emitting its update. */
  #unemittedChange = false

  readonly #noteTransaction = (transaction: Y.Transaction): void => {
    // O(1) on every transaction: integrating a struct marks its parent type changed; deletes fill the set.
    this.#unemittedChange = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.#unemittedChange = false
    const writer = this.#deps.writer
    this.lastActivity = Date.now()
    this.#version++
    this.#answerCache = null
    this.#noteGrowth(update)
    if (origin === REMOTE_ORIGIN) {
      // Stored already, by the node that published it: relayed now, and its activity is that node's to report.
      const frame = encodeSyncUpdate(update)
      for (const peer of this.#peers.keys()) peer.send(frame)
      return
    }
    writer.enqueue(this.name, update)
    if (this.#outgoingGeneration !== writer.generation) {
      // First update of this write batch: relay the batch's updates together once it has committed.
      const batch: Outgoing[] = []
      this.#outgoing = batch
      this.#outgoingGeneration = writer.generation
      writer.afterPersist(this.name, () => this.#relay(batch))
    }
    this.#outgoing.push({ update, origin })
    this.#deps.onDocumentChange?.(this, isPeer(origin) ? origin : null)
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
    this.#allAwarenessFrames = null
    const owned = this.#peers.get(origin as Peer)?.awarenessIds
    if (owned) {
      // The guard let through only ids nobody else owns, so everything this peer set is now its own.
      // An id it clears stays its own until it leaves: a connection cannot cycle through fresh ids
      // (each leaving a clock behind) to get round its cap.
      for (const id of [...added, ...updated]) {
        if (owned.has(id)) continue
        // A reconnecting client took its id over from its own stale connection (see #ownedByOther).
        for (const state of this.#peers.values()) state.awarenessIds.delete(id)
        owned.add(id)
      }
    }
    const remote = isRemoteAwareness(origin) ? origin : null
    const changed = [...added, ...updated, ...removed]
    // On a single node (no remote entries) a cursor move costs nothing here.
    if (remote || this.#remoteOwners.size > 0) {
      for (const id of changed) {
        if (remote && !owned && !removed.includes(id)) this.#remoteOwners.set(id, remote)
        else this.#remoteOwners.delete(id)
      }
    }
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)
    const frame = encodeAwarenessFrame(update)
    // Sent to the sender too, as the stock y-websocket server does: a client alone in a room otherwise
    // hears nothing for 30 s and its provider drops the connection as dead.
    for (const [peer, state] of this.#peers) this.#sendAwareness(peer, state, frame)
    // Other nodes hear of this node's connections' changes only; each node times out stale entries itself.
    const author = owned ? (origin as Peer) : isLeaving(origin) ? origin.leaving : null
    if (author) this.#deps.onAwarenessChange?.(this, update, ownerKey(author))
    // Who is present is each node's to announce for its own connections, so a remote change is only noted.
    this.#notePresence(changed, !remote && origin !== REMOTE_ORIGIN)
  }
}

function isRemoteAwareness(origin: unknown): origin is RemoteAwareness {
  return typeof origin === 'object' && origin !== null && 'node' in origin && 'owner' in origin
}

function isLeaving(origin: unknown): origin is Leaving {
  return typeof origin === 'object' && origin !== null && 'leaving' in origin
}

function userOf(state: unknown): { name?: unknown; color?: unknown } | null {
  if (typeof state !== 'object' || state === null) return null
  const user = (state as { user?: unknown }).user
  return typeof user === 'object' && user !== null ? user : null
}

function updateOf(result: MirrorResult): Uint8Array | null {
  return result === null || result === 'busy' ? null : result.update
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

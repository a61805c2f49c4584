/**
 * Records the versions of documents and restores them. A room records an automatic version when a
 * burst of editing ends (`idleMs` without a change after changes), when it unloads with changes not
 * yet in a version, and before a restore; people add named versions. Each version lists who edited
 * since the one before. A state identical to the newest version is not stored twice (the store
 * decides, in its transaction, so nodes of a cluster recording the same state store it once).
 * After each automatic version, older automatic ones are thinned (`version-thinning.ts`).
 *
 * On a cluster, a node only tracks the edits of its own connections: the node where people edited
 * records the version, with their names.
 */
import type { Logger } from '../logger.js'
import type { Peer } from '../rooms/peer.js'
import type { Room } from '../rooms/room.js'
import { mergeAuthors, type RecordedVersion, type VersionAuthor, type VersionInfo, type VersionStore } from '../storage/version-store.js'
import { packVersionState, versionDoc } from './version-state.js'
import { versionsToThin } from './version-thinning.js'

/** Options of a {@link VersionKeeper}. */
export interface VersionKeeperOptions {
  store: VersionStore
  logger: Logger
  /** Quiet time after the last change that ends a burst of editing and records a version. */
  idleMs: number
  /** The clock, for tests. */
  now?: () => number
  /** Named versions a document may have; default {@link MAX_NAMED_VERSIONS}. */
  maxNamed?: number
}

/** A room with changes not yet in a version. */
interface Unrecorded {
  room: Room
  authors: VersionAuthor[]
  /** The connections whose authors are in `authors` already. */
  peers: Set<Peer>
  lastChange: number
  timer: NodeJS.Timeout
}

/** Thrown by {@link VersionKeeper.restore} for a version the room does not have. */
export class VersionNotFoundError extends Error {}

/** Thrown by {@link VersionKeeper.record} when the room has as many named versions as it may keep. */
export class TooManyVersionsError extends Error {}

/**
 * Named versions one document may have. They are never thinned and each holds the whole document,
 * so without a cap anyone who may edit could fill the disk by editing and naming in turn.
 */
const MAX_NAMED_VERSIONS = 500

/** The author a connection stands for: its token's user, or the name it announced (open mode). */
function authorOf(room: Room, peer: Peer): VersionAuthor {
  if (peer.identity.kind === 'user') return { id: peer.identity.id, name: peer.identity.name, color: peer.identity.color }
  return { id: null, name: room.announcedName(peer) ?? 'Anonymous', color: room.announcedColor(peer) }
}

/** One per server. */
export class VersionKeeper {
  readonly #options: VersionKeeperOptions
  readonly #now: () => number
  readonly #maxNamed: number
  readonly #unrecorded = new Map<string, Unrecorded>()
  /** Recording in progress per room: versions of a room are recorded one after the other. */
  readonly #queues = new Map<string, Promise<unknown>>()
  #closed = false

  constructor(options: VersionKeeperOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#maxNamed = options.maxNamed ?? MAX_NAMED_VERSIONS
  }

  /** `room` changed, by `author` (a connection) or by the server. Cheap: called on every local edit. */
  changed(room: Room, author: Peer | null): void {
    if (this.#closed) return
    const now = this.#now()
    let entry = this.#unrecorded.get(room.name)
    if (!entry || entry.room !== room) {
      if (entry) clearTimeout(entry.timer)
      entry = { room, authors: [], peers: new Set(), lastChange: now, timer: this.#arm(room.name, this.#options.idleMs) }
      this.#unrecorded.set(room.name, entry)
    }
    entry.lastChange = now
    // Each connection's author is looked up once per burst, not on every keystroke.
    if (author && !entry.peers.has(author)) {
      entry.peers.add(author)
      entry.authors = mergeAuthors(entry.authors, [authorOf(room, author)])
    }
  }

  /** `room` is unloading: record what changed since its last version. */
  async retiring(room: Room): Promise<void> {
    const entry = this.#unrecorded.get(room.name)
    if (!entry || entry.room !== room) return
    await this.#recordAuto(room, null)
  }

  /** Record a version named `name` of `room` now (`by`: who asked, counted as an author if they edited). */
  record(room: Room, name: string): Promise<RecordedVersion> {
    return this.#serial(room.name, async () => {
      if ((await this.#options.store.countNamed(room.name)) >= this.#maxNamed) {
        throw new TooManyVersionsError(`document ${room.name} has ${this.#maxNamed} named versions, the most it may keep`)
      }
      return this.#record(room, name, false)
    })
  }

  /**
   * Make `room` show version `id` again, as a new change made by `by`. The state before is recorded
   * first (named "Before restoring …"). Resolves with both versions.
   * @throws {VersionNotFoundError} when `room` has no version `id`.
   */
  restore(room: Room, id: number, by: VersionAuthor): Promise<{ restored: VersionInfo; before: VersionInfo }> {
    return this.#serial(room.name, async () => {
      const stored = await this.#options.store.get(room.name, id)
      if (!stored) throw new VersionNotFoundError(`document ${room.name} has no version ${id}`)
      const label = stored.info.name ?? new Date(stored.info.createdAt).toISOString()
      const before = await this.#record(room, `Before restoring “${label}”`, true)
      // Loaded on first use, like the exports: ProseMirror and the diff stay out of start-up.
      const { restoreDocument } = await import('./restore-document.js')
      const target = await versionDoc(stored.state)
      try {
        room.changeAsServer((doc, origin) => restoreDocument(doc, target, origin))
      } finally {
        target.destroy()
      }
      // The restored state is itself recorded once the editing that follows settles (the server's change
      // above marked the room changed), with `by` as its author.
      const entry = this.#unrecorded.get(room.name)
      if (entry) entry.authors = mergeAuthors(entry.authors, [by])
      return { restored: stored.info, before: before.version }
    })
  }

  /** Stop the timers; versions not recorded by now are recorded when their rooms unload. */
  close(): void {
    this.#closed = true
    for (const entry of this.#unrecorded.values()) clearTimeout(entry.timer)
  }

  #arm(name: string, delay: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#idle(name), delay)
    timer.unref()
    return timer
  }

  #idle(name: string): void {
    const entry = this.#unrecorded.get(name)
    if (!entry || this.#closed) return
    const quiet = this.#now() - entry.lastChange
    if (quiet < this.#options.idleMs) {
      entry.timer = this.#arm(name, this.#options.idleMs - quiet)
      return
    }
    if (entry.room.destroyed) {
      // Unloaded without `retiring` (deleted, storage failed): nothing to record.
      this.#unrecorded.delete(name)
      return
    }
    void this.#recordAuto(entry.room, null)
  }

  #recordAuto(room: Room, name: string | null): Promise<unknown> {
    return this.#serial(room.name, () => this.#record(room, name, true)).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, room: room.name }, 'recording a version failed')
    })
  }

  /** Record `room`'s state now, with the authors since its last version. Runs inside `#serial`. */
  async #record(room: Room, name: string | null, auto: boolean): Promise<RecordedVersion> {
    const entry = this.#unrecorded.get(room.name)
    const authors = entry?.room === room ? entry.authors : []
    if (entry?.room === room) {
      clearTimeout(entry.timer)
      this.#unrecorded.delete(room.name)
    }
    const { contentHash } = await import('./content-hash.js')
    const createdAt = this.#now()
    // Both taken now, from the same state; the packing itself runs off the event loop.
    const hash = contentHash(room.doc)
    const state = await packVersionState(room.doc)
    const recorded = await this.#options.store.record({ room: room.name, createdAt, name, auto, authors, contentHash: hash, state })
    if (recorded.added && auto) await this.#thin(room.name, createdAt)
    return recorded
  }

  async #thin(name: string, now: number): Promise<void> {
    const dropped = versionsToThin(await this.#options.store.automatic(name), now)
    if (dropped.length > 0) await this.#options.store.remove(name, dropped)
  }

  #serial<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(name) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(name, settled)
    void settled.then(() => {
      if (this.#queues.get(name) === settled) this.#queues.delete(name)
    })
    return next
  }
}

/**
 * `MAX_ROOMS`: how many documents the server may store, those in the trash included (a deleted
 * document still takes its space until it is purged). Asked before a document that is stored
 * nowhere yet is created, by a WebSocket opening a new name or `POST /api/rooms`. The stored count is
 * read at most once a second (a count of a large table is not free); the rooms open with nothing
 * stored yet and the documents admitted since the count are added to it, so neither a burst of new
 * names nor names opened and kept silent slip past the limit. (On a cluster, each node counts its
 * own silent rooms.)
 */
import type { DocumentStore } from '../storage/document-store.js'

/** How long a count of the stored documents is trusted. */
const COUNT_TTL_MS = 1000

/** The server holds as many documents as it may. */
export class RoomQuotaError extends Error {
  override name = 'RoomQuotaError'
  constructor(readonly maxRooms: number) {
    super(`this server stores the most documents it may (${maxRooms}, MAX_ROOMS, the trash included); delete or purge some first`)
  }
}

/** Counts stored documents against `MAX_ROOMS`. */
export class RoomQuota {
  readonly #store: Pick<DocumentStore, 'count'>
  readonly #unstored: () => number
  readonly maxRooms: number
  #counted: { at: number; count: number } | null = null
  #admitted = 0

  /**
   * `unstored`: rooms open in memory with nothing stored yet. Each becomes a document at its first
   * edit, so they count too: otherwise names opened and kept silent would all be stored later,
   * past the limit.
   */
  constructor(store: Pick<DocumentStore, 'count'>, maxRooms: number, unstored: () => number = () => 0) {
    this.#store = store
    this.maxRooms = maxRooms
    this.#unstored = unstored
  }

  /**
   * Admit one new document.
   * @throws {RoomQuotaError} when the server stores `maxRooms` documents already.
   */
  async admit(now = Date.now()): Promise<void> {
    if (!this.#counted || now - this.#counted.at >= COUNT_TTL_MS) {
      const count = await this.#store.count()
      this.#counted = { at: now, count }
      this.#admitted = 0
    }
    if (this.#counted.count + this.#unstored() + this.#admitted >= this.maxRooms) throw new RoomQuotaError(this.maxRooms)
    this.#admitted++
  }

  /** Stored documents as last counted, with those admitted since. */
  async used(): Promise<number> {
    const count = await this.#store.count()
    this.#counted = { at: Date.now(), count }
    this.#admitted = 0
    return count
  }
}

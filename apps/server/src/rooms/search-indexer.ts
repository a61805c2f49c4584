/**
 * Keeps the search index in step with documents: a room's title and text are indexed a moment
 * after a burst of changes ends (`delayMs`, re-armed by each change, so typing costs one extraction
 * per pause, not per keystroke), and when the room unloads. Documents stored before the index
 * existed are indexed in the background at start, one at a time between other work.
 */
import { documentText, documentTitle } from '@tandem/protocol'
import type * as Y from 'yjs'

import type { Logger } from '../logger.js'
import type { SearchIndex } from '../storage/search-index.js'
import type { Room } from './room.js'

/** Most characters of a document's text indexed: the start of a very long document finds it. */
const MAX_INDEXED_CHARS = 200_000

/** Options of {@link SearchIndexer}. */
export interface SearchIndexerOptions {
  index: SearchIndex
  logger: Logger
  /** Wait after the last change before indexing. Default 3 s. */
  delayMs?: number
}

/** Indexes rooms as they change. */
export class SearchIndexer {
  readonly #options: Required<SearchIndexerOptions>
  readonly #pending = new Map<string, { room: Room; timer: ReturnType<typeof setTimeout>; lastChange: number }>()
  #closed = false

  constructor(options: SearchIndexerOptions) {
    this.#options = { delayMs: 3_000, ...options }
  }

  /**
   * `room`'s document changed: index it once changes pause. One timer per burst: a keystroke only
   * notes its time, and the timer, when it fires early, waits out the rest.
   */
  changed(room: Room): void {
    if (this.#closed) return
    const pending = this.#pending.get(room.name)
    if (pending && pending.room === room) {
      pending.lastChange = performance.now()
      return
    }
    if (pending) clearTimeout(pending.timer)
    this.#pending.set(room.name, { room, lastChange: performance.now(), timer: this.#arm(room.name, this.#options.delayMs) })
  }

  #arm(name: string, delayMs: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      const pending = this.#pending.get(name)
      if (!pending) return
      const quiet = performance.now() - pending.lastChange
      if (quiet < this.#options.delayMs) {
        pending.timer = this.#arm(name, this.#options.delayMs - quiet)
        return
      }
      this.#pending.delete(name)
      // A room deleted meanwhile is gone with its text; a document made again under its name is another room.
      if (pending.room.destroyed) return
      void this.#index(name, pending.room.doc)
    }, delayMs)
    timer.unref()
    return timer
  }

  /** `room` is unloading: index now what is waiting. */
  async retiring(room: Room): Promise<void> {
    const pending = this.#pending.get(room.name)
    if (!pending || pending.room !== room) return
    clearTimeout(pending.timer)
    this.#pending.delete(room.name)
    await this.#index(room.name, room.doc)
  }

  /**
   * Index stored documents the index lacks, oldest first by last change, one at a time; `load`
   * builds a document from storage (`null` when it went meanwhile). Stops when closed.
   */
  async backfill(load: (name: string) => Promise<Y.Doc | null>): Promise<number> {
    let indexed = 0
    const skipped = new Set<string>()
    while (!this.#closed) {
      const names = (await this.#options.index.unindexed(50 + skipped.size)).filter((name) => !skipped.has(name))
      if (names.length === 0) break
      for (const name of names) {
        if (this.#closed) break
        const doc = await load(name).catch(() => null)
        if (!doc) {
          skipped.add(name)
          continue
        }
        try {
          if (!(await this.#index(name, doc))) skipped.add(name)
          else indexed++
        } finally {
          doc.destroy()
        }
        // Other work (edits, joins) goes first.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    if (indexed > 0) this.#options.logger.info({ indexed }, 'indexed documents stored before search existed')
    return indexed
  }

  /** Stop: nothing more is indexed. */
  close(): void {
    this.#closed = true
    for (const { timer } of this.#pending.values()) clearTimeout(timer)
    this.#pending.clear()
  }

  async #index(name: string, doc: Y.Doc): Promise<boolean> {
    try {
      await this.#options.index.put({ name, title: documentTitle(doc), body: documentText(doc, MAX_INDEXED_CHARS) })
      return true
    } catch (error) {
      this.#options.logger.warn({ err: error, room: name }, 'indexing a document for search failed')
      return false
    }
  }
}

/**
 * The storage contract for documents. A document is a snapshot plus an append-only log of Yjs
 * updates; loading applies the snapshot, then the log. Every implementation passes the shared suite
 * in `document-store.contract.ts`.
 */

/**
 * What is stored for one document. Its byte arrays are the caller's: the store keeps no reference
 * to them, so they may be changed or moved to another thread (`document-mirrors.ts` does).
 */
export interface StoredDocument {
  /** Merged state up to the last compaction, or `null` if never compacted. */
  snapshot: Uint8Array | null
  /** Updates appended since the snapshot, oldest first. */
  updates: Uint8Array[]
  /** Sequence number of the newest log row (0 when the log is empty). Pass it to `compact`. */
  lastSeq: number
}

/** Size and age of one stored document. Times are milliseconds since the epoch. */
export interface DocumentInfo {
  name: string
  /** Bytes of snapshot plus log. */
  bytes: number
  /** Rows in the update log. */
  logRows: number
  /** Bytes in the update log. */
  logBytes: number
  createdAt: number
  updatedAt: number
}

/** Updates of one document, to append in order. */
export interface UpdateBatch {
  name: string
  updates: Uint8Array[]
}

/** The state of one document's log after an append. */
export interface AppendResult {
  name: string
  /** Sequence number of the last row appended. */
  lastSeq: number
  logRows: number
  logBytes: number
}

/** Where documents live. Methods resolve only once the change is durable. */
export interface DocumentStore {
  /** The snapshot and log of `name`, or `null` when nothing is stored under that name. */
  load(name: string): Promise<StoredDocument | null>
  /**
   * Append the batches' updates, all of them in one transaction: either every update of every batch
   * is stored or none is.
   */
  appendUpdates(batches: readonly UpdateBatch[]): Promise<AppendResult[]>
  /**
   * Replace the snapshot with `snapshot` and delete the log rows up to and including `throughSeq`,
   * in one transaction. `snapshot` must contain everything those rows and the old snapshot did.
   */
  compact(name: string, snapshot: Uint8Array, throughSeq: number): Promise<void>
  /** Size and times of `name`, or `null` if it is not stored. */
  info(name: string): Promise<DocumentInfo | null>
  /** Every stored document, by name. */
  list(): Promise<DocumentInfo[]>
  /** Remove the document; resolves `true` if it existed. */
  delete(name: string): Promise<boolean>
  /** Release the store. Pending writes have completed when it resolves. */
  close(): Promise<void>
}

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
  /** Bytes of snapshot (as stored: compressed where the store compresses) plus log. */
  bytes: number
  /** Rows in the update log. */
  logRows: number
  /** Bytes in the update log. */
  logBytes: number
  createdAt: number
  updatedAt: number
}

/** A document in the trash: what it held, and when and by whom it was deleted. */
export interface TrashedDocument extends DocumentInfo {
  trashedAt: number
  /** Who deleted it: `admin`, `user:<id>`, `anonymous`… */
  trashedBy: string
}

/** Why updates for a document in the trash were not stored (see {@link AppendResult.trashed}). */
export class DocumentTrashedError extends Error {
  constructor(readonly document: string) {
    super(`document ${document} is in the trash`)
    this.name = 'DocumentTrashedError'
  }
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
  /** The document is in the trash: nothing of this batch was stored (the other batches were). */
  trashed?: true
}

/** How a stored snapshot is encoded: the Yjs update itself, or that update deflated (raw DEFLATE). */
type SnapshotEncoding = 'yjs' | 'deflate'

/** A snapshot in the form a store keeps it; made by {@link DocumentStore.packSnapshot}. */
export interface PackedSnapshot {
  readonly bytes: Uint8Array
  readonly encoding: SnapshotEncoding
}

/**
 * Where documents live. Methods resolve once the change is committed: a crash of the process loses
 * none of it. A store whose commits may not yet survive a power cut says so with {@link durable}.
 */
export interface DocumentStore {
  /** The snapshot and log of `name`, or `null` when nothing is stored under that name. */
  load(name: string): Promise<StoredDocument | null>
  /**
   * Append the batches' updates, all of them in one transaction: either every update of every batch
   * is stored or none is. A batch for a document in the trash is the exception: nothing of it is
   * stored, and its result says `trashed` (the others are stored as usual).
   */
  appendUpdates(batches: readonly UpdateBatch[]): Promise<AppendResult[]>
  /**
   * Resolves once every change committed before the call survives a power cut; rejects if the disk
   * failed. Absent when a commit already does (or the store promises nothing against power loss).
   * Kept apart from the append so that commits made while the disk syncs are synced together.
   */
  durable?(): Promise<void>
  /**
   * `snapshot` (a Yjs update) in the form this store keeps, e.g. compressed. It may take a while but
   * not the event loop's time (SQLite compresses on libuv's thread pool), so call it before
   * {@link compact} and outside anything that holds up writes.
   */
  packSnapshot(snapshot: Uint8Array): Promise<PackedSnapshot>
  /**
   * Replace the snapshot with `snapshot` (from this store's {@link packSnapshot}) and delete the log
   * rows up to and including `throughSeq`, in one transaction. The snapshot must contain everything
   * those rows and the old snapshot did. `load` hands it back as the Yjs update it was packed from.
   */
  compact(name: string, snapshot: PackedSnapshot, throughSeq: number): Promise<void>
  /** Size and times of `name`, or `null` if it is not stored (or is in the trash). */
  info(name: string): Promise<DocumentInfo | null>
  /** Every stored document not in the trash, by name. */
  list(): Promise<DocumentInfo[]>
  /** How many documents are stored, those in the trash included. */
  count(): Promise<number>
  /**
   * Move the document to the trash, recording when and `by` whom; resolves `true` if it was stored
   * and not in the trash already. A trashed document keeps everything it had (log, versions, images)
   * but reads as not stored: `load` and `info` give `null`, `list` leaves it out, an append to it
   * stores nothing (its result says `trashed`) and a compaction of it does nothing.
   */
  trash(name: string, by: string): Promise<boolean>
  /** Take the document out of the trash as it was; resolves `false` when it is not in the trash. */
  restore(name: string): Promise<boolean>
  /** The document `name` if it is in the trash, else `null`. */
  trashed(name: string): Promise<TrashedDocument | null>
  /** Every document in the trash, most recently deleted first. */
  trashList(): Promise<TrashedDocument[]>
  /**
   * Remove `name` for good if it is in the trash (and was put there at or before `trashedBefore`,
   * when given); resolves whether it did. Unlike {@link delete}, never touches a document restored
   * meanwhile.
   */
  purge(name: string, trashedBefore?: number): Promise<boolean>
  /**
   * Remove the document for good, whether in the trash or not; resolves `true` if it existed. Its
   * name is then remembered as deleted ({@link deletedAt}) until a document is stored under it again.
   */
  delete(name: string): Promise<boolean>
  /**
   * When the document `name` was deleted (moved to the trash or removed), ms since the epoch; `null`
   * if it was not (or was stored again since).
   */
  deletedAt(name: string): Promise<number | null>
  /** Release the store. Pending writes have completed when it resolves. */
  close(): Promise<void>
}

/**
 * Messages between the main thread's `DocumentMirrors` and its worker (`mirror-worker.ts`). Each
 * large document is mirrored in the worker under a key: seeded once, then brought up to date with
 * what the document got since, each time something is encoded from it.
 */

/** What an encoding is for: a bare update, or a sync step 2 frame answering a step 1. */
export type EncodeAs = 'update' | 'sync-step-2'

/** Main thread → worker. */
export type MirrorRequest =
  /** Start (or restart) the mirror of `key` from these updates (V1), applied in order. */
  | { type: 'track'; key: string; parts: Uint8Array[] }
  /**
   * Start the mirror of `key` from stored `parts`, as `track` does, and answer with the document cut
   * into updates of at most `chunkStructs` structs (see `document-chunks.ts`) for the main thread to load.
   */
  | { type: 'load'; id: number; key: string; parts: Uint8Array[]; chunkStructs: number }
  /** The document is gone, or no longer mirrored. */
  | { type: 'forget'; key: string }
  /**
   * Apply `base` (what the document got since the mirror was last brought up to date, if anything),
   * then encode the mirror of `key` as one update (V1): all of it, or what a peer at `stateVector`
   * lacks; `as` a bare update or already framed as a sync step 2 (the frame is then built here, not
   * on the main thread).
   */
  | { type: 'encode'; id: number; key: string; base: Uint8Array | null; stateVector: Uint8Array | null; as: EncodeAs }

/** Worker → main thread. */
export type MirrorReply =
  | { type: 'encoded'; id: number; update: Uint8Array; ms: number }
  | { type: 'loaded'; id: number; key: string; chunks: Uint8Array[]; arrayValues: number; stateVector: Uint8Array }
  /** The worker has no mirror of `key` (never tracked, forgotten, lost, or it could not load it). */
  | { type: 'missing'; id: number; key: string }
  /** Applying a seed or catch-up to the mirror of `key` failed: it was dropped. */
  | { type: 'lost'; key: string; message: string }

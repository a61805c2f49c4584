/**
 * Messages between the main thread's `IntegrationProbe` and its worker (`integration-worker.ts`).
 * Each room the probe measures for is mirrored in the worker under a key; each measurement first
 * brings the mirror up to the room's document, then times an update against it.
 */

/** Main thread → worker. */
export type ProbeRequest =
  /** The room is gone or no longer mirrored. */
  | { type: 'forget'; key: string }
  /**
   * Bring the mirror of `key` up to the document with `base` (its full state when `full`, which
   * starts the mirror afresh; else what it got since the last measurement), put the room's pending
   * structs and deletes (V2, as Yjs keeps them) in place, since integrating an update retries them,
   * then time integrating `update` (V1).
   */
  | { type: 'measure'; id: number; key: string; base: Uint8Array; full: boolean; pending: Uint8Array[]; update: Uint8Array; maxMs: number }

/** How a measured update fared. */
export type MeasuredOutcome =
  /** Integrated in `ms`, within the limit: the mirror now holds it. */
  | { verdict: 'fits'; ms: number }
  /** Integrated, but took longer than allowed: the mirror was dropped. */
  | { verdict: 'too-costly'; ms: number }
  /** Yjs threw: the update is not a valid change of this document; the mirror was dropped. */
  | { verdict: 'rejected'; message: string }
  /** The worker had no mirror of the room (it was forgotten or could not be built). */
  | { verdict: 'no-mirror' }

/** Worker → main thread. */
export type ProbeReply =
  /** The worker caught up with the room and started timing `id`: the watchdog starts now. */
  { type: 'started'; id: number } | { type: 'result'; id: number; outcome: MeasuredOutcome }

/**
 * Messages between the main thread's {@link IntegrationProbe} and its worker
 * (`integration-worker.ts`). Each room the probe measures for is mirrored in the worker under a key;
 * the main thread forwards every update the room's document emits, so the mirror stays the same
 * document, and asks the worker to time an update against it.
 */

/** Main thread → worker. */
export type ProbeRequest =
  /** Start (or restart) the mirror of `key` from the document's full state. */
  | { type: 'mirror'; key: string; state: Uint8Array }
  /** An update the room's document emitted: apply it to the mirror. */
  | { type: 'apply'; key: string; update: Uint8Array }
  /** The room is gone or no longer mirrored. */
  | { type: 'forget'; key: string }
  /**
   * Time integrating `update` (V1) into the mirror of `key`, with the room's pending structs and
   * deletes (V2, as Yjs keeps them) in place first, since integrating an update retries them.
   */
  | { type: 'measure'; id: number; key: string; pending: Uint8Array[]; update: Uint8Array; maxMs: number }

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
  | { type: 'started'; id: number }
  | { type: 'result'; id: number; outcome: MeasuredOutcome }

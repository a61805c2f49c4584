/**
 * Hands one socket's frames to their handler in order, but never more than a few milliseconds of
 * handling in one turn of the event loop. `ws` emits every frame of one TCP read in the same turn, so
 * a burst of costly frames (large awareness states, updates) would otherwise hold the loop while
 * other sockets and health checks wait. Past the allowance, frames queue up, the socket is paused
 * (nothing more is read), and the queue drains in later turns. Frames handled within one turn still
 * share one storage transaction, which a frame-per-turn rule would lose (3× slower trace ingest).
 */

/** Milliseconds of one socket's frame handling per turn by default. */
const DEFAULT_FRAME_MS_PER_TURN = 5

/** A socket's flow control: a `ws` WebSocket is one. */
export interface FrameFlow {
  /** Stop reading from the socket (its frames queue up in the pacer meanwhile). */
  pause(): void
  resume(): void
}

/** What a pacer drives: the frame handler and the socket's flow control. */
export interface FramePacerOptions<T> {
  handle: (frame: T) => void
  flow: FrameFlow
  msPerTurn?: number
}

/**
 * One socket's frames, handled in order within a time allowance per turn. One lives as long as its
 * socket, so it holds its handler and flow control as fields and schedules itself through static
 * functions: no closure of its own per connection.
 */
export class FramePacer<T> {
  readonly #handle: (frame: T) => void
  readonly #flow: FrameFlow
  readonly #msPerTurn: number
  #queue: T[] = []
  #head = 0
  /** When this socket's handling in the current turn began, `null` before its first frame of the turn. */
  #turnStartedAt: number | null = null
  #closed = false

  constructor(options: FramePacerOptions<T>) {
    this.#handle = options.handle
    this.#flow = options.flow
    this.#msPerTurn = options.msPerTurn ?? DEFAULT_FRAME_MS_PER_TURN
  }

  /** Frames waiting for a later turn. */
  get queued(): number {
    return this.#queue.length - this.#head
  }

  /** A frame arrived from the socket. */
  push(frame: T): void {
    if (this.#closed) return
    if (this.queued > 0) {
      this.#queue.push(frame)
      return
    }
    if (this.#spent() >= this.#msPerTurn) {
      this.#queue.push(frame)
      this.#flow.pause()
      setImmediate(FramePacer.#drainLater, this)
      return
    }
    this.#handle(frame)
  }

  /** Drop what is queued; nothing is handled afterwards. */
  close(): void {
    this.#closed = true
    this.#queue = []
    this.#head = 0
  }

  /** Milliseconds this socket has been handled in the current turn (starting the count if needed). */
  #spent(): number {
    const now = performance.now()
    if (this.#turnStartedAt === null) {
      this.#turnStartedAt = now
      // Runs in the check phase that follows: the next turn starts a fresh allowance.
      setImmediate(FramePacer.#endTurn, this)
    }
    return now - this.#turnStartedAt
  }

  static #endTurn<T>(pacer: FramePacer<T>): void {
    pacer.#turnStartedAt = null
  }

  static #drainLater<T>(pacer: FramePacer<T>): void {
    pacer.#drain()
  }

  #drain(): void {
    if (this.#closed) return
    while (this.queued > 0 && this.#spent() < this.#msPerTurn) {
      const frame = this.#queue[this.#head]!
      this.#head++
      this.#handle(frame)
      if (this.#closed) return
    }
    if (this.queued > 0) {
      setImmediate(FramePacer.#drainLater, this)
      return
    }
    this.#queue = []
    this.#head = 0
    this.#flow.resume()
  }
}

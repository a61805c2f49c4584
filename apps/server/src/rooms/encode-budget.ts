/**
 * A process-wide allowance of main-thread time for encoding sync answers, renewed every turn of the
 * event loop. Each connection's answers are paced by their own cost, but forty connections (from one
 * address, or many) each asking once for a large document would otherwise all be encoded in the same
 * turn: a second of stall from one burst. Past the allowance, answers wait for the next turn, so
 * health checks, keystrokes and other rooms get the loop in between.
 */

/** Main-thread milliseconds of answer encoding allowed per turn. */
export const DEFAULT_ENCODE_MS_PER_TURN = 20

/** Shared by every room of a registry. */
export class EncodeBudget {
  readonly #msPerTurn: number
  #spentMs = 0
  #renewal: NodeJS.Immediate | null = null

  constructor(msPerTurn = DEFAULT_ENCODE_MS_PER_TURN) {
    this.#msPerTurn = msPerTurn
  }

  /** Whether an answer may be encoded in this turn. */
  get available(): boolean {
    return this.#spentMs < this.#msPerTurn
  }

  /** Count `ms` spent encoding in this turn; the allowance is renewed at the next turn. */
  charge(ms: number): void {
    this.#spentMs += ms
    // Scheduled before any answer deferred after it, so it runs first in the next check phase.
    this.#renewal ??= setImmediate(() => {
      this.#spentMs = 0
      this.#renewal = null
    })
  }

  /** Run `task` in a later turn, once the allowance is renewed. */
  defer(task: () => void): void {
    setImmediate(task)
  }
}

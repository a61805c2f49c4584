/**
 * A process-wide allowance of main-thread time for encoding sync answers, renewed every turn of the
 * event loop (long document integrations are charged to it too, so the two do not add up in one turn). Each connection's answers are paced by their own cost, but forty connections (from one
 * address, or many) each asking once for a large document would otherwise all be encoded in the same
 * turn: a second of stall from one burst. Past the allowance, answers wait for the next turn, so
 * health checks, keystrokes and other rooms get the loop in between.
 */

/** Main-thread milliseconds of answer encoding allowed per turn. */
const DEFAULT_ENCODE_MS_PER_TURN = 20

/** Shared by every room of a registry. */
export class EncodeBudget {
  readonly #msPerTurn: number
  #spentMs = 0
  /** The last charge: the best guess of what the next answer costs. */
  #lastChargeMs = 0
  #renewal: NodeJS.Immediate | null = null

  constructor(msPerTurn = DEFAULT_ENCODE_MS_PER_TURN) {
    this.#msPerTurn = msPerTurn
  }

  /**
   * Whether an answer may be encoded in this turn: the first always may; later ones only if one more
   * like the last would still fit, so a turn of answers of a large document stays near the allowance
   * instead of overshooting it by a whole answer.
   */
  get available(): boolean {
    return this.#spentMs === 0 || this.#spentMs + this.#lastChargeMs <= this.#msPerTurn
  }

  /** Count `ms` spent encoding in this turn; the allowance is renewed at the next turn. */
  charge(ms: number): void {
    this.#spentMs += ms
    this.#lastChargeMs = ms
    // Scheduled before any answer deferred after it, so it runs first in the next check phase.
    if (this.#renewal !== null) return
    this.#renewal = setImmediate(() => {
      this.#spentMs = 0
      this.#renewal = null
    })
  }

  /** Run `task` in a later turn, once the allowance is renewed. */
  defer(task: () => void): void {
    setImmediate(task)
  }
}

/**
 * Event-driven waits on a `Y.Doc`: a condition is checked after every update the doc applies, and the
 * wait resolves with the time of the update that made it true. No polling, so the timestamp is the
 * moment of arrival rather than the next tick of a timer.
 */
import type * as Y from 'yjs'

import { withDeadline } from './deadline.js'

interface Wait {
  condition: () => boolean
  resolve: (at: number) => void
}

/** Resolves conditions on one doc as its updates arrive. */
export class UpdateWaiter {
  readonly #doc: Y.Doc
  readonly #waits = new Set<Wait>()
  readonly #onUpdate = (): void => {
    if (this.#waits.size === 0) return
    const at = performance.now()
    for (const wait of this.#waits) {
      if (!wait.condition()) continue
      this.#waits.delete(wait)
      wait.resolve(at)
    }
  }

  constructor(doc: Y.Doc) {
    this.#doc = doc
    doc.on('update', this.#onUpdate)
  }

  /**
   * Resolve with the `performance.now()` of the update after which `condition` holds (or of this call,
   * if it holds already).
   * @throws {DeadlineError} after `timeoutMs`, naming `what`.
   */
  async until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
    if (condition()) return performance.now()
    let wait: Wait | undefined
    const reached = new Promise<number>((resolve) => {
      wait = { condition, resolve }
      this.#waits.add(wait)
    })
    try {
      return await withDeadline(reached, timeoutMs, what)
    } finally {
      this.#waits.delete(wait!)
    }
  }

  /** Stop listening to the doc. */
  dispose(): void {
    this.#doc.off('update', this.#onUpdate)
    this.#waits.clear()
  }
}

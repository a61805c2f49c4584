/**
 * Which rows of one document's log a node's copy holds. Sequence numbers come from the shared store
 * (consecutive per document, in commit order); a node learns of them out of order: its own commits
 * as they return, other nodes' through the cluster channel, missed ones from the store. The tracker
 * keeps the highest number below which every row is held (the floor) and the ones held above it.
 */
export class SeqTracker {
  #floor: number
  /** Held rows above the floor, never including `floor + 1` (that one would raise the floor). */
  readonly #above = new Set<number>()

  constructor(floor: number) {
    this.#floor = floor
  }

  /** Every row up to and including this one is held. */
  get floor(): number {
    return this.#floor
  }

  /** Whether rows above the floor are held while some below them are not. */
  get hasGap(): boolean {
    return this.#above.size > 0
  }

  /** Whether every row from `from` to `to` is held. */
  holds(from: number, to: number): boolean {
    if (to <= this.#floor) return true
    for (let seq = Math.max(from, this.#floor + 1); seq <= to; seq++) if (!this.#above.has(seq)) return false
    return true
  }

  /** Note rows `from`..`to` (inclusive) as held. */
  add(from: number, to: number): void {
    for (let seq = Math.max(from, this.#floor + 1); seq <= to; seq++) this.#above.add(seq)
    while (this.#above.delete(this.#floor + 1)) this.#floor++
  }

  /** Everything up to `seq` is held (the whole stored document was applied): raise the floor to it. */
  raiseTo(seq: number): void {
    if (seq <= this.#floor) return
    this.#floor = seq
    for (const held of this.#above) if (held <= seq) this.#above.delete(held)
    while (this.#above.delete(this.#floor + 1)) this.#floor++
  }
}

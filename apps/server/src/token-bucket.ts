/** A rate limit shared by connection budgets, per-user webhook quotas and per-connection Yjs time. */

/** A budget that refills continuously at `perSecond` up to `capacity`; it starts full. */
export class TokenBucket {
  #tokens: number
  #refilledAt: number

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    now: number = performance.now(),
  ) {
    this.#tokens = capacity
    this.#refilledAt = now
  }

  /** Spend `cost` tokens if there are that many; returns whether it could. */
  take(cost: number, now: number = performance.now()): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#refilledAt) / 1000) * this.perSecond)
    this.#refilledAt = now
    if (this.#tokens < cost) return false
    this.#tokens -= cost
    return true
  }

  /** Return `amount` tokens (never above capacity). */
  give(amount: number): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + amount)
  }
}

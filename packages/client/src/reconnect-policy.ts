/**
 * When to try a lost connection again: exponential backoff with jitter. Without jitter every client
 * of a restarted server retries in lock-step and the server sees a thundering herd at each step;
 * spreading each wait over a window breaks those waves up (see the AWS "Exponential Backoff And
 * Jitter" analysis). Pure, so the schedule is unit-tested without timers.
 */

/** How reconnect delays grow. Durations are milliseconds. */
export interface ReconnectPolicy {
  /** Ceiling of the first wait (attempt 0). */
  initialDelayMs: number
  /** No wait is ever longer than this. */
  maxDelayMs: number
  /** Each failed attempt multiplies the ceiling by this. */
  factor: number
  /**
   * Share of the ceiling that is randomised, from 0 (fixed delays) to 1 ("full jitter", anywhere from
   * 0 to the ceiling). The rest is a floor, so a client never retries in a tight loop.
   */
  jitter: number
}

/** Half a second, doubling up to 30 s, half of each wait random. */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
}

/**
 * How long to wait before reconnect attempt number `attempt` (0 for the first retry after a
 * connection was lost). `random` returns a number in [0, 1), like `Math.random`.
 * @example
 * setTimeout(connect, reconnectDelay(failures, DEFAULT_RECONNECT_POLICY))
 */
export function reconnectDelay(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt))
  // Capping before multiplying keeps huge attempt counts from overflowing to Infinity.
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.min(exponent, 64))
  const jitter = Math.min(1, Math.max(0, policy.jitter))
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random())
}

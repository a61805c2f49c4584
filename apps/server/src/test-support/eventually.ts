/**
 * `vi.waitFor` with a budget fit for integration tests: real sockets, processes and databases on a
 * shared two-core CI machine can take seconds, and the default of one second turns load into failures.
 */
import { vi } from 'vitest'

/** Retry `check` until it stops throwing (default: up to 10 s, every 25 ms); resolves its result. */
export function eventually<T>(check: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}): Promise<T> {
  return vi.waitFor(check, { timeout: 10_000, interval: 25, ...options })
}

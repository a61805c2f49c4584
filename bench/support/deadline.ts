/** Every wait in the benchmarks is bounded, so a stuck server fails the run instead of hanging it. */

/** Thrown by {@link withDeadline} when the awaited work does not finish in time. */
class DeadlineError extends Error {
  override name = 'DeadlineError'
}

/**
 * Await `work`, or fail with a {@link DeadlineError} naming `what` once `ms` have passed.
 * @example
 * await withDeadline(client.synced, 10_000, 'client C to sync')
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * How long the event loop went without running a 1 ms timer while `work` ran. Wall-clock time, so it
 * includes being descheduled on a busy machine; the hostile suite charges the server's own CPU instead.
 */
export async function worstLoopGap<T>(work: () => Promise<T>): Promise<{ result: T; worstGapMs: number }> {
  let last = performance.now()
  let worstGapMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worstGapMs = Math.max(worstGapMs, now - last)
    last = now
  }, 1)
  try {
    return { result: await work(), worstGapMs }
  } finally {
    clearInterval(timer)
  }
}

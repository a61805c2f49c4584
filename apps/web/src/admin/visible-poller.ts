/**
 * Run a refresh every few seconds while the tab is visible, never two at once, and not at all while
 * it is hidden (a background tab polling an admin API helps nobody). Coming back refreshes at once.
 */

/** A running poller. */
export interface Poller {
  /** Refresh now (or right after the refresh in progress) instead of waiting for the next tick. */
  refreshNow(): void
  /** Stop for good. */
  stop(): void
}

/** Start calling `refresh` now and then every `intervalMs` after each call has finished; `refresh` reports its own errors. */
export function startVisiblePoller(refresh: () => Promise<void>, intervalMs: number): Poller {
  let timer: ReturnType<typeof setTimeout> | null = null
  let running = false
  let again = false
  let stopped = false

  const cancel = (): void => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  const run = async (): Promise<void> => {
    cancel()
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = true
    try {
      await refresh()
    } finally {
      running = false
    }
    if (stopped) return
    if (again) {
      again = false
      void run()
    } else if (document.visibilityState === 'visible') {
      timer = setTimeout(() => void run(), intervalMs)
    }
  }
  const onVisibility = (): void => {
    if (document.visibilityState === 'visible') void run()
    else cancel()
  }

  document.addEventListener('visibilitychange', onVisibility)
  void run()
  return {
    refreshNow: () => void run(),
    stop() {
      stopped = true
      cancel()
      document.removeEventListener('visibilitychange', onVisibility)
    },
  }
}

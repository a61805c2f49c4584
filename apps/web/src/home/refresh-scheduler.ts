/**
 * When the home page re-reads the room list. The server pushes `room:*` messages as people join,
 * leave and edit; each one "pokes" the list, and the pokes of a burst share one fetch. A slow poll
 * stays as a safety net (and keeps "5 minutes ago" true), a failed fetch is retried sooner, and a
 * hidden tab fetches nothing until it is shown again.
 */

/** Options of {@link createRefreshScheduler}. */
export interface RefreshSchedulerOptions {
  /** Fetch and show the list; resolves `false` when it failed. */
  refresh: () => Promise<boolean>
  /** Pokes within this window share one fetch. */
  debounceMs: number
  /** Fetch at least this often while visible, pushes or not. */
  fallbackMs: number
  /** Retry a failed fetch after this long. */
  retryMs: number
  /** Whether the page is visible now. */
  isVisible: () => boolean
}

/** Drives the refreshes of one list. */
export interface RefreshScheduler {
  /** Fetch now, and keep the list fresh from then on. */
  start(): void
  /** Something changed on the server: fetch soon. */
  poke(): void
  /** Call on `visibilitychange`. */
  visibilityChanged(): void
  /** Stop every timer. */
  stop(): void
}

/**
 * A scheduler that never runs two fetches at once: a poke during a fetch runs one more afterwards.
 * @example
 * const scheduler = createRefreshScheduler({ refresh, debounceMs: 250, fallbackMs: 30_000, retryMs: 5_000, isVisible: () => true })
 * feed.watch('room:*', () => scheduler.poke())
 * scheduler.start()
 */
export function createRefreshScheduler(options: RefreshSchedulerOptions): RefreshScheduler {
  let soon: ReturnType<typeof setTimeout> | null = null
  let later: ReturnType<typeof setTimeout> | null = null
  let running = false
  /** A poke arrived during a fetch, or while hidden: the list shown may be out of date. */
  let stale = false
  let stopped = false

  const clear = (): void => {
    if (soon) clearTimeout(soon)
    if (later) clearTimeout(later)
    soon = later = null
  }

  const run = async (): Promise<void> => {
    soon = null
    if (stopped) return
    if (running || !options.isVisible()) {
      stale = true
      return
    }
    if (later) clearTimeout(later)
    later = null
    running = true
    stale = false
    let ok: boolean
    try {
      ok = await options.refresh()
    } finally {
      running = false
    }
    if (stopped || !options.isVisible()) return
    if (stale) schedule(options.debounceMs)
    later = setTimeout(() => void run(), ok ? options.fallbackMs : options.retryMs)
  }

  const schedule = (delayMs: number): void => {
    // Not reset by further pokes: a steady stream of them must not postpone the fetch forever.
    soon ??= setTimeout(() => void run(), delayMs)
  }

  return {
    start() {
      void run()
    },
    poke() {
      if (stopped) return
      if (running || !options.isVisible()) stale = true
      else schedule(options.debounceMs)
    },
    visibilityChanged() {
      if (stopped) return
      if (!options.isVisible()) {
        clear()
        return
      }
      if (!running) void run()
    },
    stop() {
      stopped = true
      clear()
    },
  }
}

/**
 * Whether the device has a network at all. Browsers know this before any socket does: a socket
 * that was open when the network went away can stay "open" for a long time (no FIN ever arrives),
 * so the connection drops it at once and waits for the network instead of retrying into the void.
 */

/** Reports network loss and return. */
export interface NetworkSignal {
  /** Whether the device believes it is online now. */
  readonly online: boolean
  /** Call `listener` whenever that changes; returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void
}

/** The browser's `online`/`offline` events, or `null` outside a browser (e.g. Node). */
export function browserNetworkSignal(): NetworkSignal | null {
  if (typeof window === 'undefined' || typeof navigator === 'undefined' || typeof navigator.onLine !== 'boolean') {
    return null
  }
  return {
    get online() {
      return navigator.onLine
    },
    subscribe(listener) {
      const onOnline = (): void => listener(true)
      const onOffline = (): void => listener(false)
      window.addEventListener('online', onOnline)
      window.addEventListener('offline', onOffline)
      return () => {
        window.removeEventListener('online', onOnline)
        window.removeEventListener('offline', onOffline)
      }
    },
  }
}

/** Closing connections when their token expires. */
import type { Identity } from './identity.js'

/** Longest delay `setTimeout` accepts (about 24.8 days); later expiries re-arm when it fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * Call `onExpired` once `identity`'s token has expired; `null` for identities that never expire.
 * The caller cancels it when the connection closes first.
 */
export function expiryTimer(identity: Identity, onExpired: () => void): { cancel(): void } | null {
  if (identity.kind !== 'user') return null
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    const remaining = identity.expiresAt - Date.now()
    if (remaining <= 0) {
      onExpired()
      return
    }
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS))
    timer.unref()
  }
  arm()
  return { cancel: () => clearTimeout(timer) }
}

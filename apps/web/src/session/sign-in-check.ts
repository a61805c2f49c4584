/**
 * Why a socket failed, asked over HTTP. The server refuses a bad or missing token with a 401 before
 * the WebSocket upgrade, and browsers hide that status (the page only sees close code 1006, exactly
 * like a network failure). `GET /api/rooms` admits requests the same way, so its status tells.
 */
import { bearerHeaders } from './access-token.js'

/**
 * Whether the server turns `token` (or no token) away. `false` when it accepts it, and when it cannot
 * be reached: that is a network problem, which reconnecting solves.
 */
export async function signInRefused(token: string | null, timeoutMs = 5_000): Promise<boolean> {
  try {
    const response = await fetch('/api/rooms?limit=1', { signal: AbortSignal.timeout(timeoutMs), headers: bearerHeaders(token) })
    return response.status === 401
  } catch {
    return false
  }
}

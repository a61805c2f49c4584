/**
 * What the page can read from its own access token without verifying it (the server does that): the
 * subject, so the page can subscribe to the person's own channel `user:<sub>` and sign comments with
 * the same id the server sees.
 */

/** The `sub` claim of a JWT, or `null` for no token or one that cannot be read. */
export function tokenSubject(token: string | null): string | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const base64 = payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown } | null
    return typeof claims?.sub === 'string' && claims.sub !== '' ? claims.sub : null
  } catch {
    return null
  }
}

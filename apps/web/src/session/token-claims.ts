/**
 * What the page can read from its own access token without verifying it (the server does that): the
 * subject, so the page can subscribe to the person's own channel `user:<sub>`, and the name and
 * colour, so the comments it writes carry what the server will stamp on them anyway.
 */

/** Who a token names: its subject, and the name and colour the server shows for them. */
export interface TokenClaims {
  sub: string
  name: string
  color: string | null
}

/** The claims of a JWT, or `null` for no token, one that cannot be read, or one without a subject. */
export function tokenClaims(token: string | null): TokenClaims | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const base64 = payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown; name?: unknown; color?: unknown } | null
    if (typeof claims?.sub !== 'string' || claims.sub === '') return null
    return {
      sub: claims.sub,
      name: typeof claims.name === 'string' && claims.name !== '' ? claims.name : claims.sub,
      color: typeof claims.color === 'string' ? claims.color : null,
    }
  } catch {
    return null
  }
}

/** The `sub` claim of a JWT, or `null` for no token or one that cannot be read. */
export function tokenSubject(token: string | null): string | null {
  return tokenClaims(token)?.sub ?? null
}

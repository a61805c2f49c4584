/**
 * Bearer-secret checks for the HTTP API. Secrets are compared in constant time (both sides hashed to
 * equal-length digests first), and every configured secret is tried, so timing reveals nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

import type { MiddlewareHandler } from 'hono'

import { HttpError } from '../errors.js'

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

/** The configured secrets' digests (a server has a handful), computed once rather than per request. */
const secretDigests = new Map<string, Buffer>()
const MAX_SECRET_DIGESTS = 64

function secretDigest(secret: string): Buffer {
  let known = secretDigests.get(secret)
  if (!known) {
    if (secretDigests.size >= MAX_SECRET_DIGESTS) secretDigests.clear()
    known = digest(secret)
    secretDigests.set(secret, known)
  }
  return known
}

/** Whether `candidate` equals one of `secrets`, in time independent of where they differ. */
function matchesSecret(candidate: string, secrets: readonly string[]): boolean {
  const candidateDigest = digest(candidate)
  let matched = false
  for (const secret of secrets) matched = timingSafeEqual(candidateDigest, secretDigest(secret)) || matched
  return matched
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match ? match[1]! : null
}

/**
 * Middleware that lets a request through only with a bearer token equal to one of `secrets()`.
 * Answers 401 (with `WWW-Authenticate`) otherwise; `disabledMessage` explains an empty secret list.
 */
export function requireBearer(secrets: () => readonly string[], disabledMessage: string): MiddlewareHandler {
  return async (c, next) => {
    const deny = (message: string): HttpError => {
      c.header('WWW-Authenticate', 'Bearer realm="tandem"')
      return new HttpError(401, 'unauthorized', message)
    }
    const accepted = secrets()
    if (accepted.length === 0) throw deny(disabledMessage)
    const token = bearerToken(c.req.header('Authorization'))
    if (token === null) throw deny('missing "Authorization: Bearer <key>" header')
    if (!matchesSecret(token, accepted)) throw deny('invalid key')
    await next()
  }
}

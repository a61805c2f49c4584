/**
 * Access tokens: HS256 JWTs minted by the application that embeds Tandem (or by
 * `POST /api/admin/tokens` / `npm run token`). Verification checks signature, algorithm (only HS256:
 * `alg: none` and every other algorithm are refused) and expiry before any claim is read; then the
 * claims are validated as a whole.
 */
import { tokenClaimsSchema } from '@tandem/protocol'
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { type z } from 'zod'

import type { UserIdentity } from './identity.js'

/** Why a token was refused. */
export type TokenProblem = 'missing' | 'malformed' | 'expired' | 'bad_signature' | 'bad_claims'

/** Thrown by {@link verifyToken}. */
export class TokenError extends Error {
  override name = 'TokenError'
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message)
  }
}

const claimsSchema = tokenClaimsSchema

/** Claims an application puts in a token. `exp` is set from a lifetime when minting. */
export type TokenClaims = Omit<z.infer<typeof claimsSchema>, 'exp'>

const encoder = new TextEncoder()

/**
 * Verify `token` with `secret` and turn its claims into an identity.
 * @throws {TokenError} saying what is wrong.
 */
export async function verifyToken(token: string, secret: string): Promise<UserIdentity> {
  let payload: unknown
  try {
    ;({ payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }))
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('expired', 'token expired')
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenError('bad_signature', 'token signature is invalid')
    if (error instanceof joseErrors.JOSEAlgNotAllowed) throw new TokenError('bad_signature', 'token algorithm is not HS256')
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenError('bad_claims', `token claim invalid: ${error.message}`)
    throw new TokenError('malformed', 'token is not a valid JWT')
  }
  const claims = claimsSchema.safeParse(payload)
  if (!claims.success) throw new TokenError('bad_claims', `token claims invalid: ${claims.error.issues[0]?.message ?? 'unknown'}`)
  const { sub, name, color, exp, rooms, channels } = claims.data
  return { kind: 'user', id: sub, name, color: color ?? null, rooms: rooms ?? null, channels: channels ?? null, expiresAt: exp * 1000 }
}

/**
 * Mint a token for `claims`, valid for `ttlSeconds`.
 * @example
 * const token = await mintToken({ sub: 'u1', name: 'Ada', rooms: { 'team-*': 'write' } }, secret, 3600)
 */
export async function mintToken(claims: TokenClaims, secret: string, ttlSeconds: number): Promise<string> {
  const parsed = claimsSchema.omit({ exp: true }).parse(claims)
  return new SignJWT({ ...parsed })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(secret))
}

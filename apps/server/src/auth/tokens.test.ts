import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'

import { mintToken, TokenError, verifyToken } from './tokens.js'

const secret = 'a-test-secret-that-is-at-least-32-chars'
const key = new TextEncoder().encode(secret)

async function problemOf(token: string): Promise<string> {
  try {
    await verifyToken(token, secret)
    return 'accepted'
  } catch (error) {
    return error instanceof TokenError ? error.problem : `unexpected ${String(error)}`
  }
}

describe('tokens', () => {
  it('round-trips minted claims into an identity', async () => {
    const token = await mintToken(
      { sub: 'u1', name: 'Ada', color: '#e91e63', rooms: { 'team-*': 'write' }, channels: ['news'] },
      secret,
      60,
    )
    const identity = await verifyToken(token, secret)
    expect(identity).toMatchObject({
      kind: 'user',
      id: 'u1',
      name: 'Ada',
      color: '#e91e63',
      rooms: { 'team-*': 'write' },
      channels: ['news'],
    })
    expect(identity.expiresAt).toBeGreaterThan(Date.now())
    expect(identity.expiresAt).toBeLessThanOrEqual(Date.now() + 61_000)
  })

  it('refuses expired, badly signed, alg:none, other algorithms and garbage', async () => {
    const claims = { sub: 'u1', name: 'Ada' }
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key)
    const otherKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-xxxxxx'))
    const none = new UnsecuredJWT(claims).setExpirationTime('1h').encode()
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(key)
    const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key)
    const badClaims = await new SignJWT({ sub: 'u1', name: 42 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key)
    // A valid token whose payload was edited after signing.
    const good = await mintToken(claims, secret, 60)
    const [header, , signature] = good.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, name: 'Mallory', exp: Math.floor(Date.now() / 1000) + 60 })).toString(
      'base64url',
    )

    expect(await problemOf(expired)).toBe('expired')
    expect(await problemOf(otherKey)).toBe('bad_signature')
    expect(await problemOf(none)).toBe('bad_signature')
    expect(await problemOf(hs512)).toBe('bad_signature')
    expect(await problemOf(noExp)).toBe('bad_claims')
    expect(await problemOf(badClaims)).toBe('bad_claims')
    expect(await problemOf(`${header}.${forgedPayload}.${signature}`)).toBe('bad_signature')
    expect(await problemOf('not.a.jwt')).toBe('malformed')
    expect(await problemOf('')).toBe('malformed')
  })

  it('refuses to mint invalid claims', async () => {
    await expect(mintToken({ sub: '', name: 'x' }, secret, 60)).rejects.toThrow()
    await expect(mintToken({ sub: 'u', name: 'x', color: 'red' }, secret, 60)).rejects.toThrow(/hex colour/)
  })
})

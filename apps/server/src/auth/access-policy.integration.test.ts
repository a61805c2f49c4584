import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { describe, expect, it, onTestFinished } from 'vitest'

import { createLogger } from '../logger.js'
import { AccessPolicy } from './access-policy.js'
import { ANONYMOUS, type UserIdentity } from './identity.js'
import { TokenError } from './tokens.js'
import { WebhookAuthorizer } from './webhook-authorizer.js'

const user = (overrides: Partial<UserIdentity> = {}): UserIdentity => ({
  kind: 'user',
  id: 'u1',
  name: 'Ada',
  color: null,
  rooms: null,
  channels: null,
  expiresAt: Date.now() + 60_000,
  ...overrides,
})

/** The application's permission endpoint, answering with `decide`. */
async function applicationWebhook(decide: (body: Record<string, unknown>) => { status?: number; body?: unknown; delayMs?: number }) {
  const calls: Array<Record<string, unknown>> = []
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString()))
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>
      calls.push(body)
      const answer = decide(body)
      setTimeout(() => {
        if (res.destroyed) return
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' })
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}))
      }, answer.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  server.closeIdleConnections()
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/can`, calls }
}

function webhook(url: string, overrides: { cacheMs?: number; timeoutMs?: number } = {}) {
  // A generous timeout: a loaded CI machine must not turn an allow into a (fail-closed) deny.
  return new WebhookAuthorizer({
    url,
    timeoutMs: overrides.timeoutMs ?? 5000,
    cacheMs: overrides.cacheMs ?? 0,
    logger: createLogger('silent'),
  })
}

describe('AccessPolicy', () => {
  it('open mode: anyone edits any room and subscribes to anything but user channels', async () => {
    const policy = new AccessPolicy({ secret: null, webhook: null })
    expect(await policy.authenticate(null)).toBe(ANONYMOUS)
    expect(await policy.authenticate('whatever')).toBe(ANONYMOUS)
    expect(await policy.roomAccess(ANONYMOUS, 'any')).toBe('write')
    for (const channel of ['broadcast', 'room:*', 'room:a', 'news'])
      expect(await policy.maySubscribe(ANONYMOUS, channel), channel).toBe(true)
    expect(await policy.maySubscribe(ANONYMOUS, 'user:u1')).toBe(false)
  })

  it('secure mode: requires a token and follows its grants', async () => {
    const policy = new AccessPolicy({ secret: 's'.repeat(32), webhook: null })
    await expect(policy.authenticate(null)).rejects.toBeInstanceOf(TokenError)
    expect(await policy.roomAccess(ANONYMOUS, 'a')).toBeNull()
    const ada = user({ rooms: { 'team-*': 'write', public: 'read' }, channels: ['news', 'team:*'] })
    expect(await policy.roomAccess(ada, 'team-x')).toBe('write')
    expect(await policy.roomAccess(ada, 'public')).toBe('read')
    expect(await policy.roomAccess(ada, 'secret')).toBeNull()
    expect(await policy.roomAccess(user(), 'team-x')).toBeNull()
    expect(await policy.maySubscribe(ada, 'news')).toBe(true)
    expect(await policy.maySubscribe(ada, 'team:*')).toBe(true)
    expect(await policy.maySubscribe(ada, 'sports')).toBe(false)
    expect(await policy.maySubscribe(ada, 'broadcast')).toBe(true)
    expect(await policy.maySubscribe(ada, 'room:public')).toBe(true)
    expect(await policy.maySubscribe(ada, 'room:secret')).toBe(false)
    // Every room channel it matches is checked on its own before delivery (ChannelSession).
    expect(await policy.maySubscribe(ada, 'room:*')).toBe(true)
    expect(await policy.maySubscribe(ada, 'user:u1')).toBe(true)
    expect(await policy.maySubscribe(ada, 'user:u2')).toBe(false)
    expect(await policy.maySubscribe(ada, 'user:*')).toBe(false)
  })

  it('webhook: allow, deny, read-only, and the request it receives', async () => {
    const app = await applicationWebhook((body) => ({
      body: { allow: body.room === 'ok' || (body.room === 'view' && body.action === 'read') || body.channel === 'news' },
    }))
    const policy = new AccessPolicy({ secret: 's'.repeat(32), webhook: webhook(app.url) })
    const ada = user()
    expect(await policy.roomAccess(ada, 'ok')).toBe('write')
    expect(await policy.roomAccess(ada, 'view')).toBe('read')
    expect(await policy.roomAccess(ada, 'no')).toBeNull()
    expect(await policy.maySubscribe(ada, 'news')).toBe(true)
    expect(await policy.maySubscribe(ada, 'sports')).toBe(false)
    expect(app.calls[0]).toEqual({ user: { id: 'u1', name: 'Ada' }, action: 'write', room: 'ok' })
    // Token grants still bound what the webhook can allow.
    expect(await policy.roomAccess(user({ rooms: { ok: 'read' } }), 'ok')).toBe('read')
  })

  it('webhook fails closed: timeout, error status, malformed answer, unreachable', async () => {
    const slow = await applicationWebhook(() => ({ body: { allow: true }, delayMs: 3000 }))
    const broken = await applicationWebhook(() => ({ status: 500, body: { allow: true } }))
    const garbage = await applicationWebhook(() => ({ body: 'not json' }))
    const truthy = await applicationWebhook(() => ({ body: { allow: 'yes' } }))
    for (const url of [slow.url, broken.url, garbage.url, truthy.url, 'http://127.0.0.1:1/can']) {
      const policy = new AccessPolicy({ secret: 's'.repeat(32), webhook: webhook(url, { timeoutMs: 200 }) })
      expect(await policy.roomAccess(user(), 'room'), url).toBeNull()
    }
  })

  it('webhook answers are cached for a few seconds', async () => {
    let allow = true
    const app = await applicationWebhook(() => ({ body: { allow } }))
    const authorizer = webhook(app.url, { cacheMs: 60_000 })
    expect(await authorizer.allows(user(), { action: 'read', room: 'r' })).toBe(true)
    allow = false
    expect(await authorizer.allows(user(), { action: 'read', room: 'r' })).toBe(true)
    expect(await authorizer.allows(user(), { action: 'read', room: 'other' })).toBe(false)
    expect(app.calls).toHaveLength(2)
  })

  describe('private channels, named every way', () => {
    /** `prefix*` for every prefix of `channel`, the exact name, and the name with a wildcard after it. */
    const namings = (channel: string): string[] => [
      ...Array.from({ length: channel.length }, (_, i) => `${channel.slice(0, i + 1)}*`),
      channel,
    ]

    it("no grant, webhook answer or pattern opens another user's channel or an unreadable room", async () => {
      const everything = await applicationWebhook(() => ({ body: { allow: true } }))
      const policies = {
        open: new AccessPolicy({ secret: null, webhook: null }),
        secure: new AccessPolicy({ secret: 's'.repeat(32), webhook: null }),
        webhook: new AccessPolicy({ secret: 's'.repeat(32), webhook: webhook(everything.url) }),
      }
      const mallory = user({ id: 'mallory', rooms: { public: 'read' }, channels: ['*'] })
      const cases = [
        { policy: policies.open, identity: ANONYMOUS },
        { policy: policies.secure, identity: mallory },
        { policy: policies.webhook, identity: mallory },
        // The webhook says yes to everything, but the token's room grants still bound it.
        { policy: policies.webhook, identity: user({ id: 'mallory', rooms: { public: 'write' }, channels: null }) },
      ]
      for (const [index, { policy, identity }] of cases.entries()) {
        for (const naming of namings('user:bob')) {
          const allowed = await policy.maySubscribe(identity, naming)
          // A pattern may be allowed for what it matches outside `user:`, never the exact channel.
          if (!naming.endsWith('*') || naming.startsWith('user:')) expect(allowed, `${index} ${naming}`).toBe(false)
        }
        if (policy !== policies.open) {
          for (const naming of namings('room:private')) {
            if (!naming.endsWith('*')) expect(await policy.maySubscribe(identity, naming), `${index} ${naming}`).toBe(false)
          }
          expect(await policy.maySubscribe(identity, 'room:public'), `${index}`).toBe(true)
        }
      }
      // The webhook is never asked about user channels.
      expect(everything.calls.filter((call) => String(call.channel ?? '').startsWith('user:'))).toEqual([])
    })

    it('a user reads their own channel by exact name only, never through user:<prefix>*', async () => {
      const policy = new AccessPolicy({ secret: 's'.repeat(32), webhook: null })
      const bob = user({ id: 'bob', channels: ['*'] })
      expect(await policy.maySubscribe(bob, 'user:bob')).toBe(true)
      expect(await policy.maySubscribe(bob, 'user:bob*')).toBe(false)
      expect(await policy.maySubscribe(bob, 'user:*')).toBe(false)
      // An id that itself ends in "*" names one channel, not a pattern.
      expect(await policy.maySubscribe(user({ id: 'b*' }), 'user:b*')).toBe(false)
    })

    it('judges the non-private part of a wide pattern by grants: u* needs a grant that covers it', async () => {
      const policy = new AccessPolicy({ secret: 's'.repeat(32), webhook: null })
      expect(await policy.maySubscribe(user({ channels: ['updates'] }), 'u*')).toBe(false)
      expect(await policy.maySubscribe(user({ channels: ['u*'] }), 'u*')).toBe(true)
      expect(await policy.maySubscribe(user({ channels: ['*'] }), 'r*')).toBe(true)
      // Room channels that are not room names belong to nobody's room: refused in secure mode.
      expect(await policy.maySubscribe(user({ rooms: { '*': 'write' }, channels: ['*'] }), 'room:a:b')).toBe(false)
      expect(await new AccessPolicy({ secret: null, webhook: null }).maySubscribe(ANONYMOUS, 'room:a:b')).toBe(true)
    })
  })
})

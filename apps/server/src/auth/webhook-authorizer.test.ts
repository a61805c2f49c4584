import { describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import type { UserIdentity } from './identity.js'
import { WebhookAuthorizer } from './webhook-authorizer.js'

const user = (id: string): UserIdentity => ({
  kind: 'user',
  id,
  name: id,
  color: null,
  rooms: null,
  channels: null,
  expiresAt: Date.now() + 60_000,
})

/** An application that allows everything and counts what it was asked; `hold` keeps answers back. */
function application() {
  const asked: string[] = []
  let release: (() => void) | null = null
  let held: Promise<void> | null = null
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    asked.push(String(init.body))
    if (held) await held
    return new Response(JSON.stringify({ allow: true }), { status: 200, headers: { 'Content-Type': 'application/json' } })
  }) as unknown as typeof fetch
  return {
    asked,
    fetch: fetchImpl,
    hold() {
      held = new Promise<void>((resolve) => (release = resolve))
    },
    release() {
      held = null
      release?.()
    },
  }
}

describe('WebhookAuthorizer', () => {
  it('asks the application at most maxQuestionsPerMinute times for one user, then denies without asking', async () => {
    const app = application()
    const webhook = new WebhookAuthorizer({
      url: 'http://app.invalid/allow',
      timeoutMs: 1000,
      cacheMs: 0,
      maxQuestionsPerMinute: 50,
      logger: createLogger('silent'),
      fetch: app.fetch,
    })
    const mallory = user('mallory')
    const answers: boolean[] = []
    // Before: one call per question, e.g. one per room channel a `room:*` replay came across.
    for (let i = 0; i < 80; i++) answers.push(await webhook.allows(mallory, { action: 'read', room: `room-${i}` }))
    expect(app.asked).toHaveLength(50)
    expect(answers.filter(Boolean)).toHaveLength(50)
    expect(answers.slice(50).every((allowed) => !allowed)).toBe(true)
    // Another user has a budget of their own.
    expect(await webhook.allows(user('ada'), { action: 'read', room: 'room-1' })).toBe(true)
    expect(app.asked).toHaveLength(51)
  })

  it('asks once for the same question asked again while its answer is on the way', async () => {
    const app = application()
    const webhook = new WebhookAuthorizer({
      url: 'http://app.invalid/allow',
      timeoutMs: 1000,
      cacheMs: 0,
      logger: createLogger('silent'),
      fetch: app.fetch,
    })
    app.hold()
    const answers = Array.from({ length: 10 }, () => webhook.allows(user('ada'), { action: 'subscribe', channel: 'news' }))
    app.release()
    expect(await Promise.all(answers)).toEqual(Array(10).fill(true))
    expect(app.asked).toHaveLength(1)
  })
})

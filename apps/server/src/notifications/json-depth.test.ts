import { describe, expect, it } from 'vitest'

import { createLogger } from '../logger.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import { jsonDepthProblem } from './json-depth.js'
import { NotificationHub } from './notification-hub.js'

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`)

describe('jsonDepthProblem', () => {
  it('counts arrays and objects, not scalars', () => {
    expect(jsonDepthProblem('text', 0)).toBeNull()
    expect(jsonDepthProblem(null, 0)).toBeNull()
    expect(jsonDepthProblem([], 0)).toMatch(/deeper than 0 levels/)
    expect(jsonDepthProblem({ a: [1, { b: 'c' }] }, 3)).toBeNull()
    expect(jsonDepthProblem({ a: [1, { b: {} }] }, 3)).toBe('JSON nested deeper than 3 levels')
    expect(jsonDepthProblem(nested(64), 64)).toBeNull()
    expect(jsonDepthProblem(nested(65), 64)).not.toBeNull()
  })

  it('judges a million levels without recursing itself', () => {
    expect(jsonDepthProblem(nested(1_000_000), 64)).toMatch(/deeper than 64/)
  })
})

describe('NotificationHub.publish of a value JSON.stringify cannot serialize', () => {
  it('rejects instead of throwing, so a caller inside an event listener cannot be taken down', async () => {
    const hub = new NotificationHub({
      store: new MemoryMessageStore(),
      logger: createLogger('silent'),
      retentionFor: () => ({ maxMessages: 10, maxAgeMs: 60_000 }),
    })
    let published: Promise<unknown> | undefined
    expect(() => (published = hub.publish(['deep'], nested(100_000)))).not.toThrow()
    await expect(published).rejects.toThrow(RangeError)
    await expect(hub.publish(['deep'], 'next')).resolves.toMatchObject({ ids: { deep: 1 } })
  })
})

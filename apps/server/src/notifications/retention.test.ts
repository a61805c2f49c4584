import { describe, expect, it } from 'vitest'

import { loadConfig } from '../config.js'
import { retentionResolver } from './retention.js'

describe('retention', () => {
  it('prefers an exact override, then the longest prefix, then the defaults', () => {
    const retentionFor = retentionResolver(
      { maxMessages: 1000, maxAgeMs: 5000 },
      { 'room:*': { maxMessages: 50 }, 'room:big*': { maxMessages: 500 }, 'room:bigone': { maxAgeMs: 1 } },
    )
    expect(retentionFor('news')).toEqual({ maxMessages: 1000, maxAgeMs: 5000 })
    expect(retentionFor('room:a')).toEqual({ maxMessages: 50, maxAgeMs: 5000 })
    expect(retentionFor('room:bigger')).toEqual({ maxMessages: 500, maxAgeMs: 5000 })
    expect(retentionFor('room:bigone')).toEqual({ maxMessages: 1000, maxAgeMs: 1 })
  })

  it('is configured from CHANNEL_RETENTION, whose mistakes are named', () => {
    expect(loadConfig({ CHANNEL_RETENTION: '{"news":{"maxMessages":10}}' }).channelRetention).toEqual({ news: { maxMessages: 10 } })
    expect(() => loadConfig({ CHANNEL_RETENTION: 'nope' })).toThrow(/CHANNEL_RETENTION/)
    expect(() => loadConfig({ CHANNEL_RETENTION: '{"bad name":{}}' })).toThrow(/CHANNEL_RETENTION/)
    expect(() => loadConfig({ CHANNEL_RETENTION: '{"news":{"maxMessages":-1}}' })).toThrow(/CHANNEL_RETENTION/)
    expect(() => loadConfig({ CHANNEL_RETENTION: '{"news":{"keep":1}}' })).toThrow(/CHANNEL_RETENTION/)
  })

  it('validates the other notification settings', () => {
    expect(() => loadConfig({ PUBLISH_KEY: 'short' })).toThrow(/PUBLISH_KEY/)
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/)
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379')
  })
})

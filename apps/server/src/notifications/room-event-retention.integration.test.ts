import { describe, expect, it } from 'vitest'

import { startTestServer } from '../test-support/test-server.js'
import { ROOM_EVENT_RETENTION } from './retention.js'

const PUBLISHED = 200

async function keptAfterPublishing(server: Awaited<ReturnType<typeof startTestServer>>, channel: string): Promise<number> {
  for (let i = 0; i < PUBLISHED; i++) await server.hub.publish([channel], { type: 'join', i })
  return (await server.hub.history([channel], 0, 10_000)).length
}

describe('retention of room event channels', () => {
  it('keeps the latest few room events by default and the usual history elsewhere', async () => {
    const server = await startTestServer()
    const kept = await keptAfterPublishing(server, 'room:notes')
    // At least the limit, and at most a tenth more (retention is amortized).
    expect(kept).toBeGreaterThanOrEqual(ROOM_EVENT_RETENTION.maxMessages!)
    expect(kept).toBeLessThanOrEqual(ROOM_EVENT_RETENTION.maxMessages! * 1.1)
    expect(await keptAfterPublishing(server, 'news')).toBe(PUBLISHED)
  })

  it('lets CHANNEL_RETENTION say otherwise', async () => {
    const server = await startTestServer({ channelRetention: { 'room:*': { maxMessages: 1000 } } })
    expect(await keptAfterPublishing(server, 'room:notes')).toBe(PUBLISHED)
  })
})

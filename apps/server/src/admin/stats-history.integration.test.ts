import { adminStatsHistorySchema, type StatsSample } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { eventually } from '../test-support/eventually.js'
import { connectClient, startTestServer, type TestServer } from '../test-support/test-server.js'

const ADMIN = 'admin-token-for-tests-0123456789'

async function history(server: TestServer): Promise<{ intervalMs: number; samples: StatsSample[] }> {
  const response = await fetch(`${server.url}/api/admin/stats/history`, { headers: { Authorization: `Bearer ${ADMIN}` } })
  expect(response.status).toBe(200)
  return adminStatsHistorySchema.parse(await response.json())
}

describe('GET /api/admin/stats/history', () => {
  it('charts the edits and connections of a stock y-websocket client', async () => {
    const server = await startTestServer({ adminToken: ADMIN, statsSampleMs: 1_000 })

    // A fresh server is not empty: one sample, up to now, of a server doing nothing.
    const fresh = await eventually(async () => {
      const answer = await history(server)
      expect(answer.samples.length).toBeGreaterThan(0)
      return answer
    })
    expect(fresh.intervalMs).toBe(1_000)
    expect(fresh.samples.at(-1)).toMatchObject({
      connections: 0,
      editsPerSecond: 0,
      notificationsPerSecond: 0,
      persistP99Ms: null,
      refused: 0,
    })

    const client = await connectClient(server, 'charted')
    let typed = 0
    const typing = setInterval(() => client.text.insert(client.text.length, `edit ${typed++} `), 20)
    try {
      // Within two samples the stored samples, not only the partial newest one, show the edits.
      await eventually(async () => {
        const { samples } = await history(server)
        const stored = samples.slice(0, -1)
        expect(stored.some((sample) => sample.editsPerSecond > 0 && sample.connections >= 1)).toBe(true)
        const newest = samples.at(-1)!
        expect(newest.connections).toBe(1)
        expect(newest.editsPerSecond).toBeGreaterThan(0)
        expect(newest.persistP99Ms).not.toBeNull()
      })
    } finally {
      clearInterval(typing)
    }
    const { samples } = await history(server)
    expect(samples.map((sample) => sample.at)).toEqual([...samples.map((sample) => sample.at)].sort((a, b) => a - b))

    // The client leaves and stops typing: the newest sample says so once its window has passed the edits.
    client.provider.destroy()
    await eventually(async () => {
      const newest = (await history(server)).samples.at(-1)!
      expect(newest).toMatchObject({ connections: 0, editsPerSecond: 0 })
    })
  })

  it('answers 401 without the admin token', async () => {
    const server = await startTestServer({ adminToken: ADMIN })
    expect((await fetch(`${server.url}/api/admin/stats/history`)).status).toBe(401)
    const wrong = await fetch(`${server.url}/api/admin/stats/history`, { headers: { Authorization: 'Bearer wrong-token-wrong-token' } })
    expect(wrong.status).toBe(401)
  })
})

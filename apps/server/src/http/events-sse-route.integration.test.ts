import type { ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { mintToken } from '../auth/tokens.js'
import { eventually } from '../test-support/eventually.js'
import { gatedWebhook } from '../test-support/gated-webhook.js'
import { startTestServer } from '../test-support/test-server.js'

const SECRET = 'sse-route-test-secret-0123456789abcdef01'
const PUBLISH_KEY = 'sse-route-publish-key-0123'

/** Read a whole SSE response body into its frames; resolves when the server ends the stream. */
async function readToEnd(response: Response): Promise<{ frames: ServerChannelFrame[]; text: string }> {
  const text = await response.text()
  const frames = text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as ServerChannelFrame)
  return { frames, text }
}

describe('SSE stream lifetime', () => {
  it('ends the stream with a token_expired frame when its token expires, and frees what it held', async () => {
    const server = await startTestServer({ authSecret: SECRET, publishKey: PUBLISH_KEY })
    const token = await mintToken({ sub: 'ada', name: 'Ada', channels: ['news'] }, SECRET, 2)
    const started = Date.now()
    const response = await fetch(`${server.url}/api/events?channel=news&token=${token}`)
    expect(response.status).toBe(200)
    await eventually(() => expect(server.hub.listenerCount).toBe(1))
    const { frames } = await readToEnd(response)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(frames.at(-1)).toEqual({ type: 'error', code: 'token_expired', message: expect.stringMatching(/fresh token/) })
    await eventually(() => expect(server.hub.listenerCount).toBe(0))
    await eventually(() => expect(server.limits.usage).toMatchObject({ connections: 0, admissions: 0 }))
  })

  it('sets up nothing for a client that left while its subscriptions were being authorized', async () => {
    const webhook = await gatedWebhook()
    const server = await startTestServer({
      authSecret: SECRET,
      authWebhookUrl: webhook.url,
      authWebhookTimeoutMs: 60_000,
      authWebhookCacheMs: 0,
      publishKey: PUBLISH_KEY,
    })
    const token = await mintToken({ sub: 'ada', name: 'Ada' }, SECRET, 600)
    const abort = new AbortController()
    const leaving = fetch(`${server.url}/api/events?channel=news&token=${token}`, { signal: abort.signal }).catch(() => null)
    await eventually(() => expect(webhook.calls.length).toBe(1))
    abort.abort()
    await leaving
    // The server heard the client leave while the webhook still had not answered.
    await eventually(() => expect(server.limits.usage.connections).toBe(0))
    webhook.open()
    await eventually(() => expect(server.limits.usage.admissions).toBe(0))
    // Old behaviour: the late yes subscribed a session for nobody, with its hub listener and heartbeat
    // timer, forever. Now nothing is listening and a publish is delivered to no one.
    expect(server.hub.listenerCount).toBe(0)
    const delivered = server.hub.counters.delivered
    await server.hub.publish(['news'], { late: true })
    expect(server.hub.counters.delivered).toBe(delivered)
    expect(webhook.calls.length).toBe(1)
  })
})

import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { describe, expect, it, onTestFinished } from 'vitest'

import { limitBody } from './limit-body.js'

/** A real Node HTTP server, as Tandem runs: fetch declares a string body's length and streams a stream's. */
async function server(): Promise<string> {
  const app = new Hono()
    .onError((error, c) => c.text(error.message, 413))
    .post(
      '/',
      limitBody(10, () => {
        throw new Error('too large')
      }),
      async (c) => c.text(`got ${(await c.req.text()).length}`),
    )
  const listening = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const running = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(running))
  })
  onTestFinished(() => new Promise<void>((resolve) => listening.close(() => resolve())))
  const address = listening.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on a port')
  return `http://127.0.0.1:${address.port}/`
}

/** A body with no declared length: fetch sends it chunked. */
function streamOf(text: string): RequestInit {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text))
      controller.close()
    },
  })
  return { method: 'POST', body, duplex: 'half' }
}

describe('limitBody on a Node server', () => {
  it('judges a body with a Content-Length by the header', async () => {
    const url = await server()
    expect(await (await fetch(url, { method: 'POST', body: '0123456789' })).text()).toBe('got 10')
    expect((await fetch(url, { method: 'POST', body: '0123456789a' })).status).toBe(413)
  })

  it('counts a chunked body as it streams', async () => {
    const url = await server()
    expect(await (await fetch(url, streamOf('0123456789'))).text()).toBe('got 10')
    expect((await fetch(url, streamOf('0123456789a'))).status).toBe(413)
  })
})

import type { ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it, onTestFinished, vi } from 'vitest'

import { sseTransport } from './channel-transports.js'
import { NotificationsClient } from './notifications-client.js'

const message = (id: number, data: unknown = { id }): ServerChannelFrame => ({ type: 'message', channel: 'c', id, data, ts: 0 })
const event = (frame: ServerChannelFrame): string => `data: ${JSON.stringify(frame)}\n\n`

/**
 * A `fetch` answering every request with an event stream that yields `chunks` one read at a time
 * (so each is one `feed`), then ends; aborting the request errors the body, as real fetch does.
 */
function fetchServing(chunks: ReadonlyArray<string | Uint8Array>, init: ResponseInit = {}) {
  const encoder = new TextEncoder()
  return vi.fn((_url: string | URL | Request, request?: RequestInit) => {
    const queue = chunks.map((chunk) => (typeof chunk === 'string' ? encoder.encode(chunk) : chunk))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        request?.signal?.addEventListener('abort', () => controller.error(request.signal?.reason))
      },
      pull(controller) {
        const next = queue.shift()
        if (next) controller.enqueue(next)
        else controller.close()
      },
    })
    return Promise.resolve(new Response(body, { headers: { 'Content-Type': 'text/event-stream' }, ...init }))
  })
}

/** Open an SSE transport on a stream of `chunks`; resolves with what it reported once the stream is over. */
function receive(chunks: ReadonlyArray<string | Uint8Array>, init?: ResponseInit) {
  const fetchImpl = fetchServing(chunks, init)
  const frames: ServerChannelFrame[] = []
  let opens = 0
  return new Promise<{ frames: ServerChannelFrame[]; opens: number; opened: boolean; fetchImpl: typeof fetchImpl }>((resolve) => {
    sseTransport('http://tandem.test', { token: 't' }, fetchImpl).open(
      {
        onOpen: () => opens++,
        onFrame: (frame) => frames.push(frame),
        onClose: (opened) => resolve({ frames, opens, opened, fetchImpl }),
      },
      { channels: ['a', 'b'], since: 12 },
    )
  })
}

describe('sseTransport', () => {
  it('asks for an event stream of its channels since the last id, with the given parameters', async () => {
    const { fetchImpl, opens, opened } = await receive([])
    const [url, request] = fetchImpl.mock.calls[0]!
    expect(String(url)).toBe('http://tandem.test/api/events?token=t&channel=a&channel=b&since=12')
    expect(request?.headers).toEqual({ Accept: 'text/event-stream' })
    expect([opens, opened]).toEqual([1, true])
  })

  it('delivers each event as a frame, joining multi-line data with newlines', async () => {
    const json = JSON.stringify(message(1, { text: 'two\nlines' }), null, 2)
    const multiLine = `${json
      .split('\n')
      .map((line) => `data: ${line}`)
      .join('\n')}\n\n`
    const { frames } = await receive([multiLine, event(message(2)), event({ type: 'gap', channel: 'c' })])
    expect(frames).toEqual([message(1, { text: 'two\nlines' }), message(2), { type: 'gap', channel: 'c' }])
  })

  it('passes over heartbeats, retry and id fields, named events, unknown fields and data that is no frame', async () => {
    const stream = [
      'retry: 2000\n\n',
      ': heartbeat\n\n',
      `id: 5\n${event(message(5))}`,
      ':comment between fields\nid: 6\nretry: 10\nnonsense: x\n' + event(message(6)),
      `event: other\n${event(message(7))}`,
      'data: not json\n\n',
      'data: 42\n\n',
      'id: 99\n\n',
      `data:${JSON.stringify(message(8))}\n\n`,
    ]
    const { frames } = await receive(stream)
    expect(frames.map((frame) => (frame.type === 'message' ? frame.id : frame.type))).toEqual([5, 6, 7, 8])
  })

  it('reads CRLF and bare CR line endings', async () => {
    const crlf = `: heartbeat\r\n\r\nid: 1\r\ndata: ${JSON.stringify(message(1))}\r\n\r\n`
    const cr = `retry: 2000\r\rdata: ${JSON.stringify(message(2))}\r\r`
    // A CR ending a read may be half of a CRLF, so that blank line counts once the next read begins.
    const { frames } = await receive([crlf, cr, ': heartbeat\r'])
    expect(frames).toEqual([message(1), message(2)])
  })

  it('reassembles lines, CRLF pairs and UTF-8 characters split at any byte between reads', async () => {
    const frames = [message(1, 'héllo wörld 😀'), message(2, { emoji: '🎉', text: 'a\r\nb' })]
    const text = `retry: 2000\r\n\r\n: heartbeat\r\n\r\nid: 1\r\n${event(frames[0]!)}data: ${JSON.stringify(frames[1])}\r\n\r\n`
    const bytes = new TextEncoder().encode(text)
    for (let cut = 1; cut < bytes.length; cut++) {
      const got = await receive([bytes.slice(0, cut), bytes.slice(cut)])
      expect(got.frames, `cut at byte ${cut}`).toEqual(frames)
    }
    const byteByByte = await receive([...bytes].map((byte) => Uint8Array.of(byte)))
    expect(byteByByte.frames).toEqual(frames)
  })

  it('drops an event the stream ended in the middle of, and reports the close', async () => {
    const { frames, opened } = await receive([event(message(1)), `data: ${JSON.stringify(message(2))}\n`])
    expect(frames).toEqual([message(1)])
    expect(opened).toBe(true)
  })

  it('reports a refused stream as a close that never opened', async () => {
    const { frames, opens, opened } = await receive([event(message(1))], { status: 503 })
    expect([frames, opens, opened]).toEqual([[], 0, false])
  })

  it('stops reading and reports nothing more once closed', async () => {
    const fetchImpl = fetchServing([event(message(1))])
    const onClose = vi.fn()
    const frames: ServerChannelFrame[] = []
    const transport = sseTransport('http://tandem.test', {}, fetchImpl)
    transport.open({ onOpen: () => transport.close(), onFrame: (frame) => frames.push(frame), onClose }, { channels: ['c'], since: null })
    await vi.waitFor(() => expect(fetchImpl.mock.calls[0]![1]?.signal?.aborted).toBe(true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(frames).toEqual([])
    expect(onClose).not.toHaveBeenCalled()
  })

  it("reconnects on the client's own policy, not the stream's retry field, resuming after the last frame", async () => {
    const fetchImpl = fetchServing(['retry: 60000\n\n', event(message(7))])
    const client = new NotificationsClient({
      transport: sseTransport('http://tandem.test', {}, fetchImpl),
      channels: ['c'],
      reconnectPolicy: { initialDelayMs: 10, maxDelayMs: 10, factor: 1, jitter: 0 },
    })
    onTestFinished(() => client.close())
    await vi.waitFor(() => expect(fetchImpl.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 1000 })
    expect(client.lastId).toBe(7)
    expect(String(fetchImpl.mock.calls[1]![0])).toBe('http://tandem.test/api/events?channel=c&since=7')
  })
})

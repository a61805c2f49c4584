/**
 * Subscribers for notification tests: a `/api/events` WebSocket and an SSE stream read with fetch,
 * each collecting the frames it receives. Both close when the test finishes.
 */
import type { ServerChannelFrame } from '@tandem/protocol'
import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

import { eventually } from './eventually.js'

/** A subscriber's received frames, and how to wait for them. */
export interface FrameLog {
  frames: ServerChannelFrame[]
  /** Ids of the message frames received, in order. */
  messageIds(): number[]
  /** Wait until a frame satisfies `predicate`. */
  waitFor(predicate: (frame: ServerChannelFrame) => boolean, timeout?: number): Promise<ServerChannelFrame>
}

function frameLog(): FrameLog {
  const frames: ServerChannelFrame[] = []
  return {
    frames,
    messageIds: () => frames.flatMap((frame) => (frame.type === 'message' ? [frame.id] : [])),
    waitFor: (predicate, timeout = 10_000) =>
      eventually(
        () => {
          const found = frames.find(predicate)
          if (!found) throw new Error(`no matching frame among ${frames.length}: ${JSON.stringify(frames.slice(-3))}`)
          return found
        },
        { timeout },
      ),
  }
}

/** A WebSocket subscriber on `/api/events`. */
export async function eventsSocket(
  baseUrl: string,
): Promise<FrameLog & { ws: WebSocket; send(frame: unknown): void; closed: Promise<number> }> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/events`)
  const log = frameLog()
  ws.on('message', (data) => log.frames.push(JSON.parse(String(data)) as ServerChannelFrame))
  ws.on('error', () => {})
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  onTestFinished(() => ws.terminate())
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
  return { ...log, ws, closed, send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)) }
}

/** An SSE subscriber on `/api/events?channel=...`. Resolves once the response headers arrived. */
export async function sseStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<FrameLog & { status: number; ids: string[]; raw(): string; close(): void }> {
  const abort = new AbortController()
  const response = await fetch(url, { headers, signal: abort.signal })
  const log = frameLog()
  const ids: string[] = []
  let raw = ''
  onTestFinished(() => abort.abort())
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true })
          raw += text
          buffer += text
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
            const id = block.split('\n').find((line) => line.startsWith('id: '))
            if (id) ids.push(id.slice(4))
            if (data.length > 0) log.frames.push(JSON.parse(data.join('\n')) as ServerChannelFrame)
          }
        }
      } catch {
        // Aborted by the test.
      }
    })()
  }
  return { ...log, status: response.status, ids, raw: () => raw, close: () => abort.abort() }
}

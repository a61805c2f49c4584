/**
 * A document connection that speaks the protocol by hand, for tests that send what no stock client
 * would: it records every frame it receives and how the server closed it. Terminated when the test
 * finishes.
 */
import type { Socket } from 'node:net'

import { onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

/** A raw `/collab/<room>` socket. */
export interface RawCollabSocket {
  ws: WebSocket
  /** Binary frames received so far, in order (listening starts before the handshake completes). */
  received: Uint8Array[]
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>
  /** Write `frames` to the TCP socket in one write, so the server reads them in one chunk. */
  sendTogether(frames: Uint8Array[]): void
}

/** Open a raw socket to `room` and wait for the upgrade. */
export async function rawCollabSocket(server: { collabUrl: string }, room: string): Promise<RawCollabSocket> {
  const ws = new WebSocket(`${server.collabUrl}/${room}`)
  const received: Uint8Array[] = []
  ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)))
  ws.on('error', () => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  onTestFinished(() => ws.terminate())
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
  return { ws, received, closed, sendTogether: (frames) => writeTogether(ws, frames) }
}

/** Masked binary frames (short payloads) straight to the TCP socket in one write. */
function writeTogether(ws: WebSocket, frames: Uint8Array[]): void {
  const mask = [0x11, 0x22, 0x33, 0x44]
  const chunks = frames.map((payload) => {
    const length = payload.length
    const header = length < 126 ? [0x82, 0x80 | length] : [0x82, 0x80 | 126, length >> 8, length & 0xff]
    if (length > 0xffff) throw new RangeError('writeTogether only builds frames up to 64 KiB')
    return Buffer.from([...header, ...mask, ...payload.map((byte, i) => byte ^ mask[i % 4]!)])
  })
  ;(ws as unknown as { _socket: Socket })._socket.write(Buffer.concat(chunks))
}

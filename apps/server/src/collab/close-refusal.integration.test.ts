import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { CloseCode } from '@tandem/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'

import { AdmissionError } from '../auth/upgrade-guard.js'
import { eventually } from '../test-support/eventually.js'
import { rawConnection, statusOf, upgradeRequest } from '../test-support/raw-http.js'
import { CloseRefusal } from './close-refusal.js'

/** A bare HTTP server whose every upgrade is refused as not signed in. */
async function refusingServer(maxInFlight: number): Promise<{ port: number; refusal: CloseRefusal }> {
  const refusal = new CloseRefusal({ maxInFlight })
  const server = createServer()
  server.on('upgrade', (request, socket, head) => {
    refusal.refuse(request, socket, head, new AdmissionError(401, 'unauthorized', 'sign in first'), CloseCode.Unauthorized)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { port: (server.address() as AddressInfo).port, refusal }
}

/** The close code of the first (unmasked, server-sent) close frame in `received`, or `null`. */
function closeCodeIn(received: string): number | null {
  const body = received.slice(received.indexOf('\r\n\r\n') + 4)
  const bytes = Buffer.from(body, 'latin1')
  if (bytes.length < 4 || bytes[0] !== 0x88) return null
  return bytes.readUInt16BE(2)
}

describe('CloseRefusal', () => {
  it('cuts a refused client that never answers the close frame, and answers plain HTTP past its cap', async () => {
    const { port, refusal } = await refusingServer(1)
    const silent = rawConnection(port, upgradeRequest('/collab/doc'))
    await eventually(() => expect(closeCodeIn(silent.received())).toBe(CloseCode.Unauthorized))
    expect(statusOf(silent.received())).toBe(101)
    expect(refusal.inFlight).toBe(1)

    // The one slot is taken: the next refusal is the HTTP answer, which costs nothing to hold.
    const next = rawConnection(port, upgradeRequest('/collab/doc'))
    const answered = await next.closed
    expect(statusOf(answered)).toBe(401)
    expect(answered).toContain('"code":"unauthorized"')

    // The silent client never sends its close frame back; the server cuts it anyway.
    await silent.closed
    await eventually(() => expect(refusal.inFlight).toBe(0))
  })

  it('answers a handshake that is not a WebSocket one with HTTP 400 and frees its slot', async () => {
    const { port, refusal } = await refusingServer(4)
    const answered = await rawConnection(port, upgradeRequest('/collab/doc', { 'Sec-WebSocket-Key': 'short' })).closed
    expect(statusOf(answered)).toBe(400)
    await eventually(() => expect(refusal.inFlight).toBe(0))
  })
})

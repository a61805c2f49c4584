/**
 * HTTP over a bare TCP socket, for requests no well-behaved client would send (unparseable targets,
 * broken headers, half-sent requests). The socket is destroyed when the test finishes.
 */
import { createConnection, type Socket } from 'node:net'

import { onTestFinished } from 'vitest'

/** A raw connection: what it received so far, and whether the server closed it. */
export interface RawConnection {
  socket: Socket
  received(): string
  /** Resolves with everything received once the server closed the connection. */
  closed: Promise<string>
  /** Resolves once the connection is established. */
  connected: Promise<void>
}

/** Open a TCP connection to `port` on 127.0.0.1 and write `text` (if any) once connected. */
export function rawConnection(port: number, text?: string): RawConnection {
  const socket = createConnection(port, '127.0.0.1')
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
  socket.on('error', () => {})
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)))
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  if (text !== undefined) socket.write(text)
  onTestFinished(() => {
    socket.destroy()
  })
  return { socket, received: () => received, closed, connected }
}

/** Send `text` and resolve with the whole answer once the server closed the connection. */
export function rawExchange(port: number, text: string): Promise<string> {
  return rawConnection(port, text).closed
}

/**
 * Send `text` and resolve with the answer's status line and headers (plus any body received with
 * them) as soon as they arrived, or whatever came before the server closed. The socket is then closed.
 */
export async function rawAnswerHead(port: number, text: string): Promise<string> {
  const connection = rawConnection(port, text)
  const head = new Promise<string>((resolve) => {
    const check = (): void => {
      if (connection.received().includes('\r\n\r\n')) resolve(connection.received())
    }
    connection.socket.on('data', check)
  })
  const answered = await Promise.race([head, connection.closed])
  connection.socket.destroy()
  return answered
}

/** The request line and headers of a WebSocket upgrade to `target`, ready to write. */
export function upgradeRequest(target: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: '127.0.0.1',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  }
  return `GET ${target} HTTP/1.1\r\n${Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`
}

/** The status code of a raw HTTP answer (0 when there is none). */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0)
}

/** The `error.code` of a raw HTTP answer's JSON body, if it has one. */
export function errorCodeOf(answer: string): string | undefined {
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4)
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code
  } catch {
    return undefined
  }
}

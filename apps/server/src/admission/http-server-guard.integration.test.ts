import { createServer } from 'node:http'

import { pino } from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'

import { eventually } from '../test-support/eventually.js'
import { rawConnection, rawExchange, statusOf } from '../test-support/raw-http.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'
import { guardHttpServer } from './http-server-guard.js'

const ADMIN_TOKEN = 'http-guard-admin-token-0123456789'

async function rejections(server: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
  const counts: Record<string, number> = {}
  for (const match of text.matchAll(/^tandem_connections_rejected_total\{reason="([a-z_]+)"\} (\d+)/gm))
    counts[match[1]!] = Number(match[2])
  return counts
}

describe('HTTP server guard', () => {
  it('keeps the process up when accepting a connection fails (EMFILE)', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const logged: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) })
    guardHttpServer(server, { logger, maxSocketsPerAddress: null, onRefused: () => {} })
    // What Node's net server emits when accept(2) fails; with no listener, emit() throws and the
    // process exits.
    const failure = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' })
    expect(() => server.emit('error', failure)).not.toThrow()
    expect(logged).toEqual(['the HTTP server failed to accept a connection'])
  })

  it('answers malformed HTTP with 400 (431 for oversized headers), closes the socket, and counts it', async () => {
    const server = await startTestServer({ adminToken: ADMIN_TOKEN })
    const garbage = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n',
      'POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      '\u0000\u0001\u0002\r\n\r\n',
    ]
    for (const request of garbage) {
      const answered = await rawExchange(server.port, request)
      expect(statusOf(answered), JSON.stringify(request)).toBe(400)
    }
    expect(statusOf(await rawExchange(server.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`))).toBe(431)
    expect((await rejections(server)).bad_request).toBe(garbage.length + 1)
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
  })

  it('cuts off a client that sends its headers too slowly (slowloris) or not at all', async () => {
    const server = await startTestServer({ httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 2000, adminToken: ADMIN_TOKEN })
    const started = Date.now()
    const trickling = rawConnection(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const trickle = setInterval(() => trickling.socket.write('X-Slow: y\r\n'), 200)
    onTestFinished(() => clearInterval(trickle))
    const silent = rawConnection(server.port)
    const [trickled, nothing] = await Promise.all([trickling.closed, silent.closed])
    clearInterval(trickle)
    expect(statusOf(trickled)).toBe(408)
    expect(nothing === '' || statusOf(nothing) === 408).toBe(true)
    // The timeout plus one check interval, with room for a loaded machine; Node's defaults took 60-90 s.
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await rejections(server)).request_timeout).toBeGreaterThanOrEqual(1)
  })

  it('closes TCP connections past MAX_SOCKETS_PER_ADDRESS at once, and accepts again when some end', async () => {
    const server = await startTestServer({ maxSocketsPerAddress: 4, maxConnectionsPerAddress: 2 })
    const held = [0, 1, 2, 3].map(() => rawConnection(server.port))
    await Promise.all(held.map((connection) => connection.connected))
    await eventually(() => expect(server.socketsOf('127.0.0.1')).toBe(4))
    const refused = rawConnection(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(await refused.closed).toBe('')
    for (const connection of held) connection.socket.destroy()
    await eventually(() => expect(server.socketsOf('127.0.0.1')).toBe(0))
    expect(statusOf(await rawExchange(server.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'))).toBe(200)
  })
})

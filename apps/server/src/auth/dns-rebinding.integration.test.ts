import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import type { Config } from '../config.js'
import { errorCodeOf, rawAnswerHead, rawExchange, statusOf, upgradeRequest } from '../test-support/raw-http.js'
import { startTestServer, type TestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'
import { mintToken } from './tokens.js'

const ADMIN_TOKEN = 'rebinding-admin-token-0123456789'
const SECRET = 'rebinding-test-secret-0123456789abcdef012'

/** A plain GET with exactly these headers, as a rebinding page's browser would send it. */
async function get(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string | undefined }> {
  const lines = Object.entries({ ...headers, Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  const answered = await rawExchange(server.port, `GET ${path} HTTP/1.1\r\n${lines}\r\n`)
  return { status: statusOf(answered), code: errorCodeOf(answered) }
}

/** The status and code an upgrade to `path` is answered with (101 when it opened). */
async function upgrade(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string | undefined }> {
  const answered = await rawAnswerHead(server.port, upgradeRequest(path, headers))
  return { status: statusOf(answered), code: statusOf(answered) === 101 ? undefined : errorCodeOf(answered) }
}

async function rebindingRefusals(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
  return Number(/^tandem_connections_rejected_total\{reason="host_not_allowed"\} (\d+)/m.exec(text)?.[1] ?? 0)
}

const refused = { status: 403, code: 'host_not_allowed' }

describe('DNS rebinding: open mode answers only to names it is known by', () => {
  it('refuses HTTP, WebSocket and SSE requests for a foreign Host, and serves loopback names and addresses', async () => {
    const server = await startTestServer({ adminToken: ADMIN_TOKEN })
    const attacker = `attacker.example:${server.port}`
    for (const path of ['/api/health', '/api/rooms', '/', '/d/secret-doc', '/api/channels/news/messages']) {
      expect(await get(server, path, { Host: attacker }), path).toEqual(refused)
    }
    // The same-origin request a rebound page makes: Origin agrees with Host, and both are the attacker's.
    expect(await get(server, '/api/events?channel=news', { Host: attacker, Origin: `http://${attacker}` })).toEqual(refused)
    expect(await upgrade(server, '/collab/secret-doc', { Host: attacker, Origin: `http://${attacker}` })).toEqual(refused)
    expect(await upgrade(server, '/api/events', { Host: attacker })).toEqual(refused)
    expect(server.registry.size).toBe(0)
    expect(await rebindingRefusals(server)).toBe(8)

    for (const host of [
      `localhost:${server.port}`,
      `127.0.0.1:${server.port}`,
      `app.localhost:${server.port}`,
      `[::1]:${server.port}`,
      `192.168.1.20:${server.port}`,
    ]) {
      expect((await get(server, '/api/health', { Host: host })).status, host).toBe(200)
      expect((await upgrade(server, '/collab/doc', { Host: host, Origin: `http://${host}` })).status, host).toBe(101)
    }
  })

  it('still refuses a foreign Origin on an allowed Host', async () => {
    const server = await startTestServer()
    const host = `127.0.0.1:${server.port}`
    expect(await upgrade(server, '/collab/doc', { Host: host, Origin: 'http://attacker.example' })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    })
    expect(await get(server, '/api/events?channel=news', { Host: host, Origin: 'http://attacker.example' })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    })
  })

  it('serves PUBLIC_URL and ALLOWED_HOSTS names, and PUBLIC_URL pages behind a proxy that rewrites Host', async () => {
    const overrides: Partial<Config> = { publicUrl: 'https://docs.example.com', allowedHosts: ['*.corp.example'] }
    const server = await startTestServer(overrides)
    expect((await get(server, '/api/health', { Host: 'docs.example.com' })).status).toBe(200)
    expect((await get(server, '/api/health', { Host: 'wiki.corp.example:8443' })).status).toBe(200)
    expect(await get(server, '/api/health', { Host: 'corp.example' })).toEqual(refused)
    expect(
      answer(await upgradeAttempt(server.url, '/collab/doc', { Host: 'docs.example.com', Origin: 'https://docs.example.com' })),
    ).toEqual({
      status: 101,
    })
    expect((await upgrade(server, '/collab/doc', { Host: `127.0.0.1:${server.port}`, Origin: 'https://docs.example.com' })).status).toBe(
      101,
    )
    expect(await upgrade(server, '/collab/doc', { Host: 'docs.example.com', Origin: 'https://other.example' })).toEqual({
      status: 403,
      code: 'origin_not_allowed',
    })
  })
})

describe('DNS rebinding: secure mode', () => {
  it('answers any Host by default (every request needs a token a rebinding page cannot read), and checks names once listed', async () => {
    const open = await startTestServer({ authSecret: SECRET })
    const token = await mintToken({ sub: 'ada', name: 'Ada', rooms: { '*': 'write' } }, SECRET, 300)
    expect((await get(open, '/api/health', { Host: 'docs.example.com' })).status).toBe(200)
    expect(answer(await upgradeAttempt(open.url, '/collab/doc', { Host: 'docs.example.com' }))).toEqual({ close: CloseCode.Unauthorized })
    expect(answer(await upgradeAttempt(open.url, `/collab/doc?token=${token}`, { Host: 'docs.example.com' }))).toEqual({ status: 101 })

    const listed = await startTestServer({ authSecret: SECRET, allowedHosts: ['docs.example.com'] })
    expect((await get(listed, '/api/health', { Host: 'docs.example.com' })).status).toBe(200)
    expect(await get(listed, '/api/health', { Host: 'attacker.example' })).toEqual(refused)
    expect(await upgrade(listed, `/collab/doc?token=${token}`, { Host: 'attacker.example' })).toEqual(refused)
  })
})

import { CloseCode } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { eventually } from '../test-support/eventually.js'
import { errorCodeOf, rawAnswerHead, rawExchange, statusOf, upgradeRequest } from '../test-support/raw-http.js'
import { connectClient, startTestServer } from '../test-support/test-server.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

describe('upgrade listener: nothing a client sends can throw out of it', () => {
  it('answers unparseable and absolute upgrade targets with 400 and keeps serving', async () => {
    const server = await startTestServer()
    const targets = [
      '//',
      '//x/collab/a',
      '///collab/a',
      '/\\evil.example/collab/a',
      'http://x/collab/a',
      'http://127.0.0.1/collab/a',
      'ws://127.0.0.1/collab/a',
      '*',
      'x',
      '/collab/%',
      '/collab/%E0%A4%A',
      `/collab/${'%FF'.repeat(2000)}`,
      `/${'/'.repeat(3000)}`,
    ]
    for (const target of targets) {
      const answered = await rawExchange(server.port, upgradeRequest(target))
      expect([400, 404], `${target.slice(0, 40)}: ${answered.slice(0, 80)}`).toContain(statusOf(answered))
    }
    expect(statusOf(await rawExchange(server.port, upgradeRequest('//')))).toBe(400)
    expect(errorCodeOf(await rawExchange(server.port, upgradeRequest('http://x/collab/a')))).toBe('bad_request')
    // Still up: a stock client syncs and health answers.
    const client = await connectClient(server, 'after-garbage')
    client.text.insert(0, 'alive')
    await eventually(async () => expect((await server.store.load('after-garbage'))?.updates.length).toBe(1))
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200)
    expect(server.limits.usage).toMatchObject({ admissions: 0 })
  })

  it('answers header garbage in an upgrade (odd keys, duplicate hosts, huge headers) without crashing', async () => {
    // Some of these are harmless and upgrade; the point is that none of them takes the server down.
    const server = await startTestServer()
    const requests = [
      upgradeRequest('/collab/a', { 'Sec-WebSocket-Key': '' }),
      upgradeRequest('/collab/a', { 'Sec-WebSocket-Version': '99' }),
      upgradeRequest('/collab/a', { 'X-Forwarded-For': 'garbage, , ::::' }),
      upgradeRequest('/collab/a', { Origin: '%%%' }),
      upgradeRequest('/collab/a', { Authorization: 'Bearer' }),
      upgradeRequest('/collab/a', { 'X-Huge': 'x'.repeat(20_000) }),
      'GET /collab/a HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'GET /collab/a HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ]
    for (const request of requests) {
      const answered = await rawAnswerHead(server.port, request)
      expect(statusOf(answered), answered.slice(0, 120)).toBeGreaterThanOrEqual(101)
    }
    expect(statusOf(await rawAnswerHead(server.port, requests[5]!))).toBe(431)
    await connectClient(server, 'still-fine')
    // Only the healthy client holds a slot: every refused attempt gave its slots back.
    await eventually(() => expect(server.limits.usage).toMatchObject({ addresses: 1, connections: 1, admissions: 0 }))
  })

  it('refuses upgrades for unknown paths and bad room names before taking any slot', async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 1 })
    const held = await upgradeAttempt(server.url, '/collab/held')
    expect(answer(held)).toEqual({ status: 101 })
    expect(answer(await upgradeAttempt(server.url, '/elsewhere'))).toEqual({ status: 404, code: 'not_found' })
    expect(answer(await upgradeAttempt(server.url, '/collab/bad%20name'))).toEqual({ status: 400, code: 'invalid_room_name' })
    expect(answer(await upgradeAttempt(server.url, '/collab/other'))).toEqual({ close: CloseCode.RateLimited })
  })
})

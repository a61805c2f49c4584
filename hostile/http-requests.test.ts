/**
 * Hostile HTTP requests and upgrade handshakes over raw TCP: request targets that do not parse as URL
 * paths (`//`, `http://x`, `*`, `%zz`), absurd or duplicated headers, broken WebSocket handshakes, to
 * every endpoint. The server answers each with an HTTP status (or closes), never exits, never logs an
 * error; a bystander keeps editing.
 */
import { rawConnection } from '@tandem/server/src/test-support/raw-http.js'
import fc from 'fast-check'
import { expect, it } from 'vitest'

import { mebibytes, milliseconds, recordFigures } from './support/figures.js'
import { FUZZ_ENV } from './support/fuzz-env.js'
import { HealthyEditor } from './support/healthy-editor.js'
import { HostileServer } from './support/hostile-server.js'
import { atScale, SEED } from './support/scale.js'
import { StallMeter } from './support/stall-meter.js'

const REQUESTS = atScale(600, 5000)
/**
 * "Never stalls more than 50 ms". The meter reports an upper bound (CPU ticks of 10 ms plus one tick
 * of slack, see support/stall-meter.ts), so a reading of 50 means at most 50.
 */
const STALL_LIMIT_MS = 50

const target = fc.oneof(
  fc.constantFrom(
    '//',
    '///',
    '//collab/x',
    '/collab//x',
    '/collab/%zz',
    '/collab/%00',
    '/collab/..%2F..',
    '*',
    'http://evil.example/collab/x',
    'collab/x',
    '/api/events?channel=%',
    '/api/events?channel=user:*&since=-1',
    '/collab/' + 'x'.repeat(9000),
    '/\u00ff',
    '/collab/x?token=' + 'a'.repeat(5000),
    '/api/rooms/x/versions?limit=-1&before=abc',
    '/api/rooms/x/versions/99999999999999999999999',
    '/api/rooms/x/versions/1/restore',
    '/api/rooms/%zz/versions',
    '/api/rooms/x/versions/1?format=%00',
  ),
  fc
    .tuple(
      fc.constantFrom('/collab/', '/api/events', '/api/', '/api/rooms/x/versions/', '/', '//'),
      fc.string({ maxLength: 40, unit: 'binary-ascii' }),
    )
    .map(([prefix, rest]) => prefix + rest.replace(/[\r\n ]/g, '')),
)
const header = fc.oneof(
  fc.constantFrom(
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Version: 8',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Key: short',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=1',
    'Sec-WebSocket-Protocol: , ,',
    'Origin: null',
    'Origin: http://evil.example',
    'Host: evil.example',
    'Host: ',
    'X-Forwarded-For: 1.2.3.4, ::1, garbage',
    'Content-Length: -1',
    'Content-Length: 99999999999',
    'Transfer-Encoding: chunked',
    'Authorization: Bearer ' + 'x'.repeat(3000),
    'Cookie: ' + 'c=1;'.repeat(2000),
  ),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 60, unit: 'binary-ascii' }))
    .map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`),
)
const request = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'OPTIONS', 'CONNECT', 'BREW', 'get'),
  target,
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''),
  headers: fc.array(header, { maxLength: 8 }),
  upgrade: fc.boolean(),
})

it(`answers ${REQUESTS} malformed HTTP requests and upgrades without harm (seed ${SEED})`, async () => {
  const server = await HostileServer.start(FUZZ_ENV)
  const bystander = await HealthyEditor.start(server, 'http-victim')
  const before = await server.memory()
  server.resetPeakMemory()
  const meter = new StallMeter(server.url, server.pid)
  await meter.warmUp()
  const statuses = new Map<string, number>()
  await fc.assert(
    fc.asyncProperty(fc.array(request, { minLength: 4, maxLength: 4 }), async (batch) => {
      await Promise.all(
        batch.map(async ({ method, target: path, version, headers, upgrade }) => {
          const lines = [
            `${method} ${path} ${version}`.trim(),
            'Host: 127.0.0.1',
            ...(upgrade
              ? ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']
              : ['Connection: close']),
            ...headers,
          ]
          const connection = rawConnection(server.port, `${lines.join('\r\n')}\r\n\r\n`)
          // A request the server answered 101 to stays open; anything else is answered and closed.
          const answer = await Promise.race([
            connection.closed,
            new Promise<string>((resolve) => setTimeout(() => resolve(connection.received()), 2000)),
          ])
          connection.socket.destroy()
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? (answer === '' ? 'closed' : 'other')
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
        }),
      )
      server.assertUnharmed()
    }),
    { seed: SEED, numRuns: Math.ceil(REQUESTS / 4), endOnFailure: true },
  )
  const stall = await meter.report()
  await meter.stop()
  const after = await server.memory()
  recordFigures('fuzz: HTTP requests and upgrades', {
    requests: REQUESTS,
    answers: [...statuses]
      .sort()
      .map(([status, count]) => `${status} ${count}`)
      .join(', '),
    'worst stall (server busy)': milliseconds(stall.worstBusyStallMs),
    'worst health latency': milliseconds(stall.worstLatencyMs),
    'RSS growth (peak)': mebibytes(after.peakRssBytes - before.rssBytes),
  })
  await bystander.assertConverged(server)
  server.assertUnharmed()
  expect(statuses.get('500') ?? 0).toBe(0)
  expect(stall.worstBusyStallMs).toBeLessThanOrEqual(STALL_LIMIT_MS)
})

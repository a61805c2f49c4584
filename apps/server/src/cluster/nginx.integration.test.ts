/**
 * The nginx configuration of docs/deploy.md, run as written: real nginx in front of cluster nodes on
 * one PostgreSQL and one Redis, with stock y-websocket clients and notification subscribers that only
 * know nginx's address. The configuration is read out of the document (between its marker comments),
 * so the document cannot drift from what is tested. Skips without an nginx binary, `DATABASE_URL` or
 * `REDIS_URL` (`.ci/run` installs nginx).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'

import { eventsSocket, sseStream } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { freePort } from '../test-support/redis-server.js'
import { type SpawnedServer, spawnServer } from '../test-support/spawn-server.js'
import { connectClient, type TestClient } from '../test-support/stock-client.js'
import { answer, upgradeAttempt } from '../test-support/upgrade-attempt.js'

const DEPLOY_DOC = new URL('../../../../docs/deploy.md', import.meta.url)
const BEGIN_MARKER = '# BEGIN tandem.conf'
const END_MARKER = '# END tandem.conf'
/** The host name of the document's `server_name`, given to the nodes as `PUBLIC_URL`. */
const PUBLIC_URL = 'https://docs.example.com'
const ADMIN_TOKEN = 'nginx-test-admin-token-0123456789abcdef'

const redisUrl = process.env.REDIS_URL
const nginxBinary = findNginx()
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-nginx-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** `nginx` on the PATH or where Debian and the nginx.org packages put it; `null` when there is none. */
function findNginx(): string | null {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin']
  const candidates = directories.filter((directory) => directory.startsWith('/')).map((directory) => join(directory, 'nginx'))
  return candidates.find((path) => existsSync(path)) ?? null
}

/**
 * The configuration block of docs/deploy.md for nodes on `ports` and nginx on `listenPort`: its
 * upstream `server` lines are replaced by one per node (with the document's parameters), its
 * `listen 80` by the test's port. Fails when the document no longer has what is replaced.
 */
function configFromDocument(ports: readonly number[], listenPort: number): string {
  const text = readFileSync(DEPLOY_DOC, 'utf8')
  const begin = text.indexOf(BEGIN_MARKER)
  const end = text.indexOf(END_MARKER)
  expect(begin, `docs/deploy.md has "${BEGIN_MARKER}"`).toBeGreaterThan(-1)
  expect(end, `docs/deploy.md has "${END_MARKER}" after the beginning`).toBeGreaterThan(begin)
  const block = text.slice(begin, end)
  const upstreamServer = /^(\s*)server \d{1,3}(?:\.\d{1,3}){3}:\d+( [^;\n]*)?;\n/gm
  const servers = [...block.matchAll(upstreamServer)]
  expect(servers.length, 'the upstream of docs/deploy.md lists nodes').toBeGreaterThanOrEqual(2)
  const [, indent = '', parameters = ''] = servers[0]!
  const nodes = ports.map((port) => `${indent}server 127.0.0.1:${port}${parameters};\n`).join('')
  let replaced = false
  const withNodes = block.replace(upstreamServer, () => (replaced ? '' : ((replaced = true), nodes)))
  expect(withNodes.match(/^\s*listen 80;$/gm), 'docs/deploy.md listens on port 80 once').toHaveLength(1)
  return withNodes.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${listenPort};`)
}

/** nginx running the document's configuration, and the addresses clients use to reach it. */
interface Nginx {
  url: string
  collabUrl: string
}

/**
 * nginx in the foreground on a directory of its own (pid file, logs and temporary files there, so it
 * runs without root), in front of `nodes`; killed when the test finishes.
 */
async function startNginx(nodes: readonly SpawnedServer[]): Promise<Nginx> {
  const directory = mkdtempSync(join(dataDir, 'nginx-'))
  // Started as root, nginx runs its workers as `nobody`, which must reach its temporary directories.
  chmodSync(directory, 0o755)
  const port = await freePort()
  const file = join(directory, 'nginx.conf')
  const errorLog = join(directory, 'error.log')
  writeFileSync(
    file,
    [
      'worker_processes 1;',
      `pid ${join(directory, 'nginx.pid')};`,
      `error_log ${errorLog} info;`,
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${join(directory, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(directory, kind)};`),
      configFromDocument(
        nodes.map((node) => node.port),
        port,
      ),
      '}',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(nginxBinary!, ['-p', directory, '-c', file, '-e', errorLog, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  // A runner that exits early must not leave nginx listening behind it.
  const killOnExit = (): void => void child.kill('SIGKILL')
  process.once('exit', killOnExit)
  onTestFinished(async () => {
    process.off('exit', killOnExit)
    // SIGTERM is nginx's fast shutdown: it does not wait for open WebSockets as SIGQUIT would.
    child.kill('SIGTERM')
    await exited
  })
  const url = `http://127.0.0.1:${port}`
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}\n${readLog(errorLog)}`)
    expect((await fetch(`${url}/api/health`)).status).toBe(200)
  })
  return { url, collabUrl: `${url.replace(/^http/, 'ws')}/collab` }
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : ''
}

describe.skipIf(!nginxBinary || !databaseUrl || !redisUrl)('cluster nodes behind nginx, configured as docs/deploy.md says', () => {
  const database = PostgresTestDatabase.create()
  let nodeCount = 0

  /** Two nodes of one cluster (on `schema`), configured as docs/deploy.md tells, and nginx in front. */
  async function startCluster(schema: string): Promise<{ nodes: SpawnedServer[]; nginx: Nginx }> {
    const start = (): Promise<SpawnedServer> => {
      const id = `node-${++nodeCount}`
      return spawnServer({
        DATA_DIR: join(dataDir, id),
        DATABASE_URL: database.url,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl!,
        NODE_ID: id,
        ADMIN_TOKEN,
        PUBLIC_URL,
        TRUST_PROXY: 'true',
      })
    }
    const nodes = await Promise.all([start(), start()])
    return { nodes, nginx: await startNginx(nodes) }
  }

  async function admin<T>(node: SpawnedServer, path: string): Promise<T> {
    const response = await fetch(`${node.url}/api/admin${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(200)
    return (await response.json()) as T
  }

  /** Connections per node id, as the cluster's node list says. */
  async function connectionsByNode(node: SpawnedServer): Promise<Record<string, number>> {
    const { nodes } = await admin<{ nodes: Array<{ id: string; connections: number }> }>(node, '/nodes')
    return Object.fromEntries(nodes.map((entry) => [entry.id, entry.connections]))
  }

  const names = (client: TestClient): unknown[] =>
    [...client.provider.awareness.getStates().values()].map((state) => (state as { user?: { name: string } }).user?.name)

  it('spreads stock clients over the nodes with no sticky sessions, and they edit, see cursors and get notifications together', async () => {
    const { nodes, nginx } = await startCluster('through_nginx')
    // Round robin, one node after the other: two clients on each node.
    const clients: TestClient[] = []
    for (let i = 0; i < 4; i++) clients.push(await connectClient(nginx, 'shared'))
    await eventually(async () => expect(Object.values(await connectionsByNode(nodes[0]!))).toEqual([2, 2]))

    for (const [index, client] of clients.entries()) {
      client.provider.awareness.setLocalStateField('user', { name: `writer ${index}`, color: '#336699' })
      client.text.insert(client.text.length, `<${index}>`)
    }
    await eventually(() => {
      const first = clients[0]!.text.toString()
      for (const client of clients) expect(client.text.toString()).toBe(first)
      for (let index = 0; index < clients.length; index++) expect(first).toContain(`<${index}>`)
      for (const client of clients) expect(names(client)).toEqual(expect.arrayContaining(['writer 0', 'writer 1', 'writer 2', 'writer 3']))
    })

    // Health and readiness answer through the proxy, as a balancer or a monitor asks them.
    const health = await fetch(`${nginx.url}/api/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ cluster: 'ready', status: 'ok' })
    const ready = await fetch(`${nginx.url}/api/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, storage: 'ok', cluster: 'ready' })

    // Notifications, over a WebSocket and over SSE (unbuffered), published through the proxy too.
    const socket = await eventsSocket(nginx.url)
    socket.send({ type: 'subscribe', channels: ['news'] })
    await socket.waitFor((frame) => frame.type === 'subscribed')
    const stream = await sseStream(`${nginx.url}/api/events?channel=news`)
    expect(stream.status).toBe(200)
    await stream.waitFor((frame) => frame.type === 'subscribed')
    for (const n of [1, 2]) {
      const published = await fetch(`${nginx.url}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'news', data: { n } }),
      })
      expect(published.status).toBe(200)
    }
    await eventually(() => expect(socket.messageIds()).toHaveLength(2))
    await eventually(() => expect(stream.messageIds()).toEqual(socket.messageIds()))
  }, 90_000)

  it('answers to PUBLIC_URL and counts the address nginx saw (TRUST_PROXY), not one a client claims', async () => {
    const { nodes, nginx } = await startCluster('proxy_headers')
    // A browser on https://docs.example.com: nginx passes its Host, so its Origin counts as the nodes' own.
    const fromPage = await upgradeAttempt(nginx.url, '/collab/page', { Host: 'docs.example.com', Origin: PUBLIC_URL })
    expect(answer(fromPage)).toEqual({ status: 101 })
    // A page served by nginx itself, on a port of its own: the nodes see the Host with its port.
    expect(answer(await upgradeAttempt(nginx.url, '/collab/page', { Origin: nginx.url }))).toEqual({ status: 101 })
    const fromElsewhere = await upgradeAttempt(nginx.url, '/collab/page', { Host: 'docs.example.com', Origin: 'https://evil.example' })
    expect(fromElsewhere).toMatchObject({ status: 403, code: 'origin_not_allowed' })

    // From 127.0.0.3 (Linux answers on all of 127/8; nginx reaches the nodes from 127.0.0.1), claiming another address.
    const ws = new WebSocket(`${nginx.collabUrl}/whois`, { localAddress: '127.0.0.3', headers: { 'X-Forwarded-For': '203.0.113.9' } })
    onTestFinished(() => ws.terminate())
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    // Each node lists its own connections of the room.
    await eventually(async () => {
      const rooms = await Promise.all(
        nodes.map((node) => admin<{ connectionsList: Array<{ address: string | null }> }>(node, '/rooms/whois')),
      )
      expect(rooms.flatMap((room) => room.connectionsList.map((connection) => connection.address))).toEqual(['127.0.0.3'])
    })
  }, 60_000)

  it("moves a draining node's clients through nginx to the other node: they reconnect at once and keep editing, losing nothing", async () => {
    const { nodes, nginx } = await startCluster('drain')
    const clients: TestClient[] = []
    for (let i = 0; i < 4; i++) clients.push(await connectClient(nginx, 'drained'))
    const [draining, staying] = nodes as [SpawnedServer, SpawnedServer]
    await eventually(async () => expect(Object.values(await connectionsByNode(staying))).toEqual([2, 2]))
    const closeCodes = clients.map(() => [] as number[])
    for (const [index, client] of clients.entries()) {
      client.provider.on('connection-close', (event) => void closeCodes[index]!.push(event?.code ?? 0))
    }
    const written: string[] = []
    const writeRound = (round: string): void => {
      for (const [index, client] of clients.entries()) {
        const marker = `<${index}.${round}>`
        client.text.insert(client.text.length, marker)
        written.push(marker)
      }
    }

    writeRound('before')
    await eventually(() => {
      for (const client of clients) expect(client.text.length).toBe(written.join('').length)
    })
    // SIGTERM, and edits while it drains: the node closes its sockets with 1012 and stops listening.
    const stopped = draining.stop()
    writeRound('during')
    await eventually(() => expect(closeCodes.filter((codes) => codes.includes(1012))).toHaveLength(2))
    writeRound('reconnecting')
    expect(await stopped).toEqual({ code: 0, signal: null })
    writeRound('after')

    // Everyone is on the node that stays, came back through nginx, and has every edit.
    await eventually(
      async () => {
        for (const client of clients) expect(client.provider.synced).toBe(true)
        expect(Object.values(await connectionsByNode(staying))).toEqual([4])
      },
      { timeout: 20_000 },
    )
    await eventually(() => {
      const first = clients[0]!.text.toString()
      for (const client of clients) expect(client.text.toString()).toBe(first)
      for (const marker of written) expect(first).toContain(marker)
    })
    // Nobody was told to back off: the 1012 clients reconnected once, the others never closed.
    expect(closeCodes.map((codes) => codes.join(','))).toEqual(expect.arrayContaining(['1012', '1012', '', '']))
    // A newcomer through nginx gets the whole document from the store.
    const expected = clients[0]!.text.toString()
    expect((await connectClient(nginx, 'drained')).text.toString()).toBe(expected)
  }, 90_000)
})

/**
 * Three real node processes on one PostgreSQL and one Redis: a cluster as an operator runs it.
 * Stock y-websocket clients are spread over the nodes; nodes are killed, their Redis connections cut
 * and Redis paused, and every edit must still reach every node and the store.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

import { eventsSocket } from '../test-support/event-clients.js'
import { eventually } from '../test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { freePort, startRedisServer } from '../test-support/redis-server.js'
import { type SpawnedServer, spawnServer } from '../test-support/spawn-server.js'
import { connectClient, type TestClient } from '../test-support/stock-client.js'
import { encodeClusterMessage } from './cluster-message.js'

const redisUrl = process.env.REDIS_URL
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-cluster-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789abcdef'

describe.skipIf(!databaseUrl || !redisUrl)('a cluster of three node processes (DATABASE_URL + REDIS_URL)', () => {
  const database = PostgresTestDatabase.create()
  let nodeCount = 0

  /** Start node `id` of the cluster on `schema` (and on `redis`, by default the machine's). */
  function startNode(schema: string, options: { id?: string; redis?: string; env?: Record<string, string> } = {}): Promise<SpawnedServer> {
    const id = options.id ?? `node-${++nodeCount}`
    return spawnServer({
      DATA_DIR: join(dataDir, id),
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: schema,
      REDIS_URL: options.redis ?? redisUrl!,
      NODE_ID: id,
      ADMIN_TOKEN,
      ...options.env,
    })
  }

  async function admin<T>(node: SpawnedServer, path: string): Promise<T> {
    const response = await fetch(`${node.url}/api/admin${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(200)
    return (await response.json()) as T
  }

  it('relays edits and cursors between stock clients on different nodes, and counts them cluster-wide', async () => {
    const nodes = await Promise.all([startNode('converge'), startNode('converge'), startNode('converge')])
    const clients: TestClient[] = []
    for (const node of nodes) for (let i = 0; i < 3; i++) clients.push(await connectClient(node, 'shared'))
    for (const [index, client] of clients.entries()) {
      client.provider.awareness.setLocalStateField('user', { name: `writer ${index}`, color: '#336699' })
      for (let i = 0; i < 10; i++) client.text.insert(client.text.length, `<${index}.${i}>`)
    }
    await eventually(
      () => {
        const first = clients[0]!.text.toString()
        for (const client of clients) expect(client.text.toString()).toBe(first)
        for (let index = 0; index < clients.length; index++) for (let i = 0; i < 10; i++) expect(first).toContain(`<${index}.${i}>`)
      },
      { timeout: 20_000 },
    )
    // Everyone sees everyone's cursor, whichever node they are on.
    await eventually(
      () => {
        for (const client of clients) {
          const names = [...client.provider.awareness.getStates().values()].map(
            (state) => (state as { user?: { name: string } }).user?.name,
          )
          for (let index = 0; index < clients.length; index++) expect(names).toContain(`writer ${index}`)
        }
      },
      { timeout: 20_000 },
    )

    // The admin of any node sees the whole cluster.
    await eventually(
      async () => {
        const { nodes: listed } = await admin<{ nodes: Array<{ id: string; connections: number; self: boolean }> }>(nodes[1], '/nodes')
        expect(listed).toHaveLength(3)
        expect(listed.map((node) => node.connections)).toEqual([3, 3, 3])
        expect(listed.filter((node) => node.self)).toHaveLength(1)
        const { rooms } = await admin<{ rooms: Array<{ name: string; connections: number }> }>(nodes[1], '/rooms')
        expect(rooms.find((room) => room.name === 'shared')?.connections).toBe(9)
      },
      { timeout: 15_000 },
    )
    for (const node of nodes) {
      expect(await (await fetch(`${node.url}/api/health`)).json()).toMatchObject({ cluster: 'ready', status: 'ok' })
    }

    // Garbage on the room's cluster channel (anyone who can reach Redis can publish) is dropped and counted.
    const intruder = new Redis(redisUrl!)
    onTestFinished(() => void intruder.disconnect())
    const channel = `tandem-cluster:${new URL(database.url).pathname.slice(1)}.converge:doc:shared`
    const garbage = [
      Buffer.from('not a cluster message'),
      Buffer.from([1, 3, 0x6e, 0x6f, 0x64, 5, 4]),
      Buffer.alloc(0),
      // Well-formed, but larger than any node takes from the bus (MAX_FRAME_BYTES plus a little).
      Buffer.from(
        encodeClusterMessage({ type: 'update', node: 'intruder', seqFrom: 1, seqTo: 1, update: new Uint8Array(3 * 1024 * 1024) }),
      ),
    ]
    for (const payload of garbage) expect(await intruder.publish(channel, payload)).toBe(3)
    await eventually(async () => {
      const metrics = await (await fetch(`${nodes[0].url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
      expect(Number(/^tandem_cluster_dropped_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(garbage.length)
    })

    // A newcomer on any node, and a fresh node reading only PostgreSQL, get the same document.
    clients[4]!.text.insert(0, '[after the garbage]')
    const expected = clients[4]!.text.toString()
    await eventually(() => expect(clients[0]!.text.toString()).toBe(expected))
    for (const node of nodes) expect((await connectClient(node, 'shared')).text.toString()).toBe(expected)
  }, 90_000)

  it('delivers channel messages published on any node to subscribers on every node exactly once, and resumes on another node', async () => {
    const nodes = await Promise.all([startNode('notify'), startNode('notify'), startNode('notify')])
    const publish = (node: SpawnedServer, data: unknown): Promise<Response> =>
      fetch(`${node.url}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'orders', data }),
      })
    const subscribers = await Promise.all(nodes.map((node) => eventsSocket(node.url)))
    for (const subscriber of subscribers) {
      subscriber.send({ type: 'subscribe', channels: ['orders'] })
      await subscriber.waitFor((frame) => frame.type === 'subscribed')
    }
    // Publishes racing on every node at once.
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => publish(nodes[i % 3]!, { n: i })))
    expect(first.every((response) => response.status === 200)).toBe(true)
    for (const subscriber of subscribers) {
      await eventually(() => expect(subscriber.messageIds()).toHaveLength(60), { timeout: 15_000 })
    }
    const ids = subscribers[0]!.messageIds()
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)
    expect(new Set(ids).size).toBe(60)
    for (const subscriber of subscribers) expect(subscriber.messageIds()).toEqual(ids)

    // One subscriber leaves; more is published; it resumes on another node from the last id it saw.
    subscribers[0]!.ws.close()
    await Promise.all(Array.from({ length: 30 }, (_, i) => publish(nodes[i % 3]!, { n: 60 + i })))
    const resumed = await eventsSocket(nodes[2].url)
    resumed.send({ type: 'subscribe', channels: ['orders'], since: ids.at(-1) })
    await eventually(() => expect(resumed.messageIds()).toHaveLength(30), { timeout: 15_000 })
    await publish(nodes[1], { n: 'live' })
    await eventually(() => expect(resumed.messageIds()).toHaveLength(31))
    const all = subscribers[1]!.messageIds()
    await eventually(() => expect(subscribers[1]!.messageIds()).toHaveLength(91))
    expect(resumed.messageIds()).toEqual(subscribers[1]!.messageIds().slice(60))
    expect(new Set(all).size).toBe(all.length)
  }, 90_000)

  it('stores a Redis PUBLISH once however many nodes hear it', async () => {
    const nodes = await Promise.all([startNode('bridged'), startNode('bridged'), startNode('bridged')])
    const subscriber = await eventsSocket(nodes[0].url)
    subscriber.send({ type: 'subscribe', channels: ['bridged-news'] })
    await subscriber.waitFor((frame) => frame.type === 'subscribed')
    const publisher = new Redis(redisUrl!)
    onTestFinished(() => void publisher.disconnect())
    // Until one node holds the lease, nobody stores; then exactly one does.
    await eventually(
      async () => {
        await publisher.publish('tandem:bridged-news', JSON.stringify({ probe: true }))
        expect(subscriber.messageIds().length).toBeGreaterThan(0)
      },
      { timeout: 15_000 },
    )
    // A probe may still be on its way.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const before = subscriber.messageIds().length
    for (let i = 0; i < 10; i++) await publisher.publish('tandem:bridged-news', JSON.stringify({ i }))
    await eventually(() => expect(subscriber.messageIds().length).toBe(before + 10))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(subscriber.messageIds().length).toBe(before + 10)
  }, 60_000)

  it("removes a dead node's cursors everywhere, and closes a deleted room on every node", async () => {
    const nodes = await Promise.all([startNode('presence'), startNode('presence'), startNode('presence')])
    const watcher = await connectClient(nodes[0], 'doomed')
    const other = await connectClient(nodes[1], 'doomed')
    const victim = await connectClient(nodes[2], 'doomed')
    victim.provider.awareness.setLocalStateField('user', { name: 'on the node that dies', color: '#aa0000' })
    other.provider.awareness.setLocalStateField('user', { name: 'stays', color: '#00aa00' })
    const names = (): unknown[] =>
      [...watcher.provider.awareness.getStates().values()].map((state) => (state as { user?: { name: string } }).user?.name)
    await eventually(() => expect(names()).toEqual(expect.arrayContaining(['on the node that dies', 'stays'])))
    victim.provider.disconnect() // Its client would reconnect elsewhere; here it stays away.
    await nodes[2].kill()
    // Gone within the node timeout (10 s) plus a heartbeat, well before y-protocols' own 30 s.
    const killedAt = Date.now()
    await eventually(() => expect(names()).not.toContain('on the node that dies'), { timeout: 20_000 })
    expect(Date.now() - killedAt).toBeLessThan(15_000)
    expect(names()).toContain('stays')

    const closed = [watcher, other].map(
      (client) => new Promise<number>((resolve) => client.provider.ws?.addEventListener('close', (event) => resolve(event.code))),
    )
    const response = await fetch(`${nodes[1].url}/api/admin/rooms/doomed`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(response.status).toBe(200)
    expect(await Promise.all(closed)).toEqual([4404, 4404])
  }, 60_000)

  it('loses no edit while nodes are killed and restarted, their Redis connections cut, Redis paused and PostgreSQL sessions ended', async () => {
    // A Redis of this test's own: pausing it must not stall the other suites.
    const redis = await startRedisServer(await freePort())
    const control = new Redis(redis.url, { maxRetriesPerRequest: null })
    onTestFinished(() => void control.disconnect())
    // Logs compacted every 15 rows, by whichever node crosses the mark: none may drop another's rows.
    const start = (id: string) => startNode('chaos', { id, redis: redis.url, env: { COMPACT_MAX_ROWS: '15' } })
    const nodes = [await start('chaos-a'), await start('chaos-b'), await start('chaos-c')]
    const clients = nodes.flatMap((node, index) => [0, 1, 2].map((i) => new MovingClient(node, `w${index * 3 + i}`)))
    await eventually(
      () => {
        for (const client of clients) expect(client.provider.synced).toBe(true)
      },
      { timeout: 20_000 },
    )

    let random = 12345
    const next = (): number => (random = (random * 1103515245 + 12345) % 2147483648) / 2147483648
    const written: string[] = []
    const edit = async (round: number): Promise<void> => {
      for (const client of clients) {
        const marker = `${client.name}.${round}`
        client.items.insert(Math.floor(next() * (client.items.length + 1)), [marker]) // whole items: random places in text would split markers
        written.push(marker)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    for (let round = 0; round < 40; round++) {
      await edit(round)
      if (round === 8) {
        // kill -9 under load: its clients reconnect to the others, as behind a load balancer.
        await nodes[1]!.kill()
        for (const [index, client] of clients.entries()) if (client.node === nodes[1]) client.moveTo(nodes[index % 2 === 0 ? 0 : 2]!)
      }
      if (round === 14) {
        // Cut one node's cluster connections; it reconnects and reads what it missed from PostgreSQL.
        const list = (await control.call('CLIENT', 'LIST')) as string
        for (const line of list.split('\n').filter((entry) => /name=tandem-cluster(-sub)?:chaos-a\b/.test(entry))) {
          await control.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!)
        }
      }
      if (round === 20) {
        // Pause Redis itself for a moment: every node misses what was published meanwhile.
        void control.call('DEBUG', 'SLEEP', '1.5')
      }
      if (round === 32) {
        // What a PostgreSQL restart does to every node: each session is gone. Writes that fail close
        // their rooms with 4500; clients reconnect and send again what was not stored.
        await terminateSessions(database.url)
      }
      if (round === 26) {
        nodes[1] = await start('chaos-b2')
        for (const client of clients.slice(0, 3)) client.moveTo(nodes[1])
      }
    }

    await eventually(
      () => {
        const first = clients[0]!.items.toArray()
        for (const client of clients) expect(client.items.toArray()).toEqual(first)
        expect([...first].sort()).toEqual([...written].sort())
      },
      { timeout: 60_000 },
    )
    const expected = clients[0]!.items.toArray()
    // Every node's copy (a newcomer's sync) and the store itself (a node that starts now) agree.
    nodes.push(await start('chaos-d'))
    for (const node of nodes) {
      await eventually(async () => expect(await (await fetch(`${node.url}/api/health`)).json()).toMatchObject({ cluster: 'ready' }))
      expect((await connectClient(node, 'chaos')).doc.getArray('items').toArray()).toEqual(expected)
    }
  }, 180_000)
})

/** A stock client that can move to another node (what a load balancer does when its node dies), keeping its document. */
class MovingClient {
  readonly doc = new Y.Doc()
  readonly items = this.doc.getArray<string>('items')
  provider: WebsocketProvider
  node: SpawnedServer

  constructor(
    node: SpawnedServer,
    readonly name: string,
  ) {
    this.node = node
    this.provider = this.#connect(node)
    onTestFinished(() => {
      this.provider.destroy()
      this.doc.destroy()
    })
  }

  moveTo(node: SpawnedServer): void {
    this.provider.destroy()
    this.node = node
    this.provider = this.#connect(node)
  }

  #connect(node: SpawnedServer): WebsocketProvider {
    return new WebsocketProvider(node.collabUrl, 'chaos', this.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
  }
}

/** End every session on `url`'s database but the one asking. */
async function terminateSessions(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
  } finally {
    await admin.end()
  }
}

/**
 * Three real node processes on one PostgreSQL and one Redis: a cluster as an operator runs it.
 * Stock y-websocket clients are spread over the nodes; nodes are killed, their Redis connections cut
 * and Redis paused, and every edit must still reach every node and the store.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

import { eventually } from '../test-support/eventually.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { freePort, startRedisServer } from '../test-support/redis-server.js'
import { type SpawnedServer, spawnServer } from '../test-support/spawn-server.js'
import { connectClient, type TestClient } from '../test-support/stock-client.js'

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

    // A newcomer on any node, and a fresh node reading only PostgreSQL, get the same document.
    const expected = clients[0]!.text.toString()
    for (const node of nodes) expect((await connectClient(node, 'shared')).text.toString()).toBe(expected)
  }, 90_000)

  it('loses no edit while nodes are killed and restarted, their Redis connections cut and Redis paused', async () => {
    // A Redis of this test's own: pausing it must not stall the other suites.
    const redis = await startRedisServer(await freePort())
    const control = new Redis(redis.url, { maxRetriesPerRequest: null })
    onTestFinished(() => void control.disconnect())
    const start = (id: string) => startNode('chaos', { id, redis: redis.url })
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

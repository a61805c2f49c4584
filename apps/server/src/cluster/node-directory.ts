/**
 * Which nodes of the cluster are alive, and what each serves. Every node writes a key of its own
 * (`<prefix>node:<id>`, JSON) every {@link HEARTBEAT_MS} that expires after {@link NODE_TIMEOUT_MS}, and
 * adds its id to a set (`<prefix>node-ids`); a node whose key has expired is dead (the set is tidied by
 * whoever reads it). The same beat renews a lease that makes one node at a time the republisher of
 * the Redis `PUBLISH` bridge (every node hears those messages; one must store each).
 */
import type { PresentUser } from '@tandem/protocol'
import type { Redis } from 'ioredis'

import type { Logger } from '../logger.js'

/** Between two heartbeats of a node. */
const HEARTBEAT_MS = 2_000
/** A node not heard of for this long is dead: its awareness entries go, its lease may be taken. */
const NODE_TIMEOUT_MS = 10_000

/** What a node says about itself each beat. */
export interface NodeReport {
  id: string
  address: string
  startedAt: number
  connections: number
  rooms: number
  /** Open connections and people present per room with connections, for cluster-wide admin views and room lists. */
  roomConnections: Record<string, { connections: number; users: PresentUser[] }>
}

/** A node as the directory lists it. */
export type LiveNode = NodeReport & { lastHeartbeat: number }

/** Renew the lease if held, else take it if free; 1 when this node holds it afterwards. */
const LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`

/** Release the lease if this node holds it. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

export interface NodeDirectoryOptions {
  redis: Redis
  prefix: string
  nodeId: string
  logger: Logger
  /** This node's report, read at each beat. */
  report(): NodeReport
  /** After each beat that could read the directory: the ids of the live nodes (this one included). */
  onLiveNodes?(ids: ReadonlySet<string>): void
}

export class NodeDirectory {
  readonly #options: NodeDirectoryOptions
  readonly #idsKey: string
  readonly #leaseKey: string
  #timer: NodeJS.Timeout | null = null
  #beating: Promise<void> = Promise.resolve()
  #leader = false
  #closed = false

  constructor(options: NodeDirectoryOptions) {
    this.#options = options
    this.#idsKey = `${options.prefix}node-ids`
    this.#leaseKey = `${options.prefix}bridge-leader`
  }

  /** Whether this node holds the bridge lease (as of its last beat, which is well within the lease). */
  get isBridgeLeader(): boolean {
    return this.#leader
  }

  start(): void {
    this.#timer = setInterval(() => void this.beat(), HEARTBEAT_MS)
    this.#timer.unref()
    void this.beat()
  }

  /** Write this node's report, renew or take the lease, and tell who is alive. Never rejects. */
  beat(): Promise<void> {
    this.#beating = this.#beating.then(() => this.#beat())
    return this.#beating
  }

  /** The live nodes, by id. */
  async nodes(): Promise<LiveNode[]> {
    const { redis, prefix } = this.#options
    const ids = await redis.smembers(this.#idsKey)
    if (ids.length === 0) return []
    const values = await redis.mget(...ids.map((id) => `${prefix}node:${id}`))
    const live = []
    const gone = []
    for (const [index, value] of values.entries()) {
      const parsed = value === null ? null : parseReport(value)
      if (parsed) live.push(parsed)
      else gone.push(ids[index]!)
    }
    if (gone.length > 0) await redis.srem(this.#idsKey, ...gone).catch(() => undefined)
    return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** Stop beating, remove this node's key and give up the lease. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#beating
    const { redis, prefix, nodeId } = this.#options
    this.#leader = false
    if (redis.status !== 'ready') return
    await Promise.allSettled([
      redis.del(`${prefix}node:${nodeId}`),
      redis.srem(this.#idsKey, nodeId),
      redis.eval(RELEASE_SCRIPT, 1, this.#leaseKey, nodeId),
    ])
  }

  async #beat(): Promise<void> {
    if (this.#closed) return
    const { redis, prefix, nodeId, logger } = this.#options
    if (redis.status !== 'ready') {
      // Without Redis this node cannot know it still holds the lease: another may have taken it.
      this.#leader = false
      return
    }
    try {
      const report = { ...this.#options.report(), lastHeartbeat: Date.now() }
      await redis.multi().set(`${prefix}node:${nodeId}`, JSON.stringify(report), 'PX', NODE_TIMEOUT_MS).sadd(this.#idsKey, nodeId).exec()
      this.#leader = (await redis.eval(LEASE_SCRIPT, 1, this.#leaseKey, nodeId, String(NODE_TIMEOUT_MS / 2))) === 1
      const live = new Set((await this.nodes()).map((node) => node.id))
      live.add(nodeId)
      this.#options.onLiveNodes?.(live)
    } catch (error) {
      this.#leader = false
      logger.debug({ err: error }, 'cluster heartbeat failed')
    }
  }
}

function parseReport(value: string): LiveNode | null {
  try {
    const parsed = JSON.parse(value) as Partial<LiveNode>
    if (typeof parsed.id !== 'string' || typeof parsed.lastHeartbeat !== 'number') return null
    return {
      id: parsed.id,
      address: String(parsed.address ?? ''),
      startedAt: Number(parsed.startedAt) || 0,
      connections: Number(parsed.connections) || 0,
      rooms: Number(parsed.rooms) || 0,
      lastHeartbeat: parsed.lastHeartbeat,
      roomConnections: typeof parsed.roomConnections === 'object' && parsed.roomConnections !== null ? parsed.roomConnections : {},
    }
  } catch {
    return null
  }
}

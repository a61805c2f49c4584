/**
 * A node's membership of a cluster: the Redis bus, document replication, the node directory, and
 * the hub's view of other nodes' channel messages, put together. Built by `server.ts` when
 * `DATABASE_URL` and `REDIS_URL` are both set; every node started with the same values is one
 * cluster (its channels and keys are under one prefix, see `clusterPrefix`).
 */
import type { PresentUser } from '@tandem/protocol'

import type { Logger } from '../logger.js'
import type { HubCluster, NotificationHub } from '../notifications/notification-hub.js'
import { mergeUsers, type RoomElsewhere } from '../rooms/room-directory.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { ClusterBus, type ClusterBusState } from './cluster-bus.js'
import type { ClusterMessage } from './cluster-message.js'
import { type ClusterLog, ClusterRooms } from './cluster-rooms.js'
import { type LiveNode, NodeDirectory, type NodeReport } from './node-directory.js'

/** How often a hub reads other nodes' messages even without a notice (a notice may be lost). */
const MESSAGE_POLL_MS = 1_000

export interface ClusterOptions {
  redisUrl: string
  prefix: string
  nodeId: string
  logger: Logger
  /** The shared document store. */
  log: ClusterLog
  /** The last channel message id committed by any node. */
  lastMessageId(): Promise<number>
  /** Largest message taken from the bus. */
  maxMessageBytes: number
}

export class Cluster {
  readonly nodeId: string
  readonly rooms: ClusterRooms
  readonly hubCluster: HubCluster
  readonly #options: ClusterOptions
  readonly #bus: ClusterBus
  #directory: NodeDirectory | null = null
  #hub: NotificationHub | null = null
  #registry: RoomRegistry | null = null
  #live = new Set<string>()
  #poll: NodeJS.Timeout | null = null

  constructor(options: ClusterOptions) {
    this.#options = options
    this.nodeId = options.nodeId
    this.#bus = new ClusterBus({
      url: options.redisUrl,
      prefix: options.prefix,
      nodeId: options.nodeId,
      logger: options.logger,
      maxMessageBytes: options.maxMessageBytes,
      onRoomMessage: (room, message) => this.rooms.receive(room, message),
      onControlMessage: (message) => this.#onControl(message),
      onReady: () => {
        void this.rooms.reconcileAll(true)
        void this.#hub?.catchUp()
        void this.#directory?.beat()
      },
    })
    this.rooms = new ClusterRooms({
      bus: this.#bus,
      log: options.log,
      nodeId: options.nodeId,
      logger: options.logger,
      onDeleted: (name) => this.#registry?.dropDeleted(name),
    })
    this.hubCluster = {
      lastId: () => options.lastMessageId(),
      announce: (lastId) => void this.#bus.publishControl({ type: 'messages', node: options.nodeId, lastId }),
    }
  }

  /** `ready` while this node hears the others; anything else is degraded (`/api/health`). */
  get state(): ClusterBusState {
    return this.#bus.state
  }

  /** Whether this node republishes the Redis `PUBLISH` bridge's messages (one node does). */
  get isBridgeLeader(): boolean {
    return this.#directory?.isBridgeLeader ?? false
  }

  get counters(): { bus: ClusterBus['counters']; rooms: ClusterRooms['counters'] } {
    return { bus: this.#bus.counters, rooms: this.rooms.counters }
  }

  /**
   * Connect, announce this node, and follow the others. Serves whether or not Redis answers now:
   * without it, the node is degraded and catches up once it is back.
   */
  async start(parts: { registry: RoomRegistry; hub: NotificationHub; report: () => Omit<NodeReport, 'id'> }): Promise<void> {
    this.#registry = parts.registry
    this.#hub = parts.hub
    this.#directory = new NodeDirectory({
      redis: this.#bus.commands,
      prefix: this.#options.prefix,
      nodeId: this.nodeId,
      logger: this.#options.logger,
      report: () => ({ id: this.nodeId, ...parts.report() }),
      onLiveNodes: (ids) => {
        this.#live = new Set(ids)
        this.rooms.liveNodes(this.#live)
      },
    })
    try {
      await this.#bus.start()
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'cluster: Redis is not reachable yet; serving local clients and retrying')
    }
    this.#directory.start()
    await this.#directory.beat()
    this.#poll = setInterval(() => void parts.hub.catchUp(), MESSAGE_POLL_MS)
    this.#poll.unref()
  }

  /** The live nodes; throws when Redis cannot be asked. */
  nodes(): Promise<LiveNode[]> {
    if (!this.#directory) return Promise.resolve([])
    return this.#directory.nodes()
  }

  /**
   * Open connections per room on the other live nodes, for cluster-wide counts; empty (this node's
   * own counts only) while Redis cannot be asked.
   */
  async connectionsElsewhere(): Promise<Map<string, RoomElsewhere>> {
    const rooms = new Map<string, RoomElsewhere>()
    let nodes: LiveNode[]
    try {
      nodes = await this.nodes()
    } catch {
      return rooms
    }
    for (const node of nodes) {
      if (node.id === this.nodeId) continue
      for (const [room, there] of Object.entries(node.roomConnections)) {
        const connections = Number(there?.connections) || 0
        const users = Array.isArray(there?.users) ? there.users.filter(isPresentUser) : []
        const known = rooms.get(room)
        rooms.set(
          room,
          known ? { connections: known.connections + connections, users: mergeUsers(known.users, users) } : { connections, users },
        )
      }
    }
    return rooms
  }

  /** Say goodbye (others drop this node's cursors at once), stop beating and disconnect. */
  async close(): Promise<void> {
    if (this.#poll) clearInterval(this.#poll)
    await Promise.all([this.rooms.close(), this.#hub?.stopFollowing()])
    await this.#bus.publishControl({ type: 'leaving', node: this.nodeId })
    await this.#directory?.close()
    await this.#bus.close()
  }

  #onControl(message: ClusterMessage): void {
    if (message.type === 'messages') void this.#hub?.catchUp()
    else if (message.type === 'leaving' && this.#live.delete(message.node)) this.rooms.liveNodes(this.#live)
  }
}

/** A user as another node reported it (JSON from Redis: checked, never trusted). */
function isPresentUser(value: unknown): value is PresentUser {
  if (typeof value !== 'object' || value === null) return false
  const { name, color } = value as { name?: unknown; color?: unknown }
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 200 &&
    (color === null || (typeof color === 'string' && color.length <= 64))
  )
}

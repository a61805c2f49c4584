/**
 * Composes a running Tandem server: the Hono app on a Node HTTP server, WebSocket upgrades routed by
 * path, the room registry over a document store, and the notification hub over a message store.
 * Tests start it on port 0; `main.ts` starts it from the environment.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { roomNameProblem } from '@tandem/protocol'
import { CollabEndpoint } from './collab/collab-endpoint.js'
import { rejectUpgrade } from './collab/reject-upgrade.js'
import type { Config } from './config.js'
import { createApp } from './http/app.js'
import type { Logger } from './logger.js'
import { type RejectionReason, ServerMetrics, TrafficCounters } from './admin/server-metrics.js'
import { AccessPolicy } from './auth/access-policy.js'
import type { Identity } from './auth/identity.js'
import { AdmissionError, UpgradeGuard } from './auth/upgrade-guard.js'
import { WebhookAuthorizer } from './auth/webhook-authorizer.js'
import { EventsEndpoint } from './notifications/events-endpoint.js'
import { NotificationHub } from './notifications/notification-hub.js'
import { RedisBridge } from './notifications/redis-bridge.js'
import { retentionResolver } from './notifications/retention.js'
import { RoomActivityPublisher } from './notifications/room-activity.js'
import { RoomRegistry } from './rooms/room-registry.js'
import type { DocumentStore } from './storage/document-store.js'
import type { MessageStore } from './storage/message-store.js'

/** What a server runs on. The caller owns the stores and closes them after {@link TandemServer.close}. */
export interface ServerDeps {
  store: DocumentStore
  messages: MessageStore
  logger: Logger
}

/** A listening server. */
export interface TandemServer {
  /** `http://host:port` it listens on. */
  url: string
  port: number
  registry: RoomRegistry
  hub: NotificationHub
  /** The Redis bridge, when `REDIS_URL` is set. */
  bridge: RedisBridge | null
  /** Stop accepting, close sockets with GoingAway, flush and compact rooms. Idempotent. */
  close(): Promise<void>
}

const COLLAB_PATH = /^\/collab\/(.*)$/
const EVENTS_PATH = '/api/events'
const PRUNE_INTERVAL_MS = 60_000

/**
 * Start listening on `config.host:config.port`.
 * @example
 * const server = await startServer({ ...config, port: 0 }, { store, messages, logger })
 * const ws = new WebSocket(`${server.url.replace('http', 'ws')}/collab/my-room`)
 */
export async function startServer(config: Config, deps: ServerDeps): Promise<TandemServer> {
  const { store, messages, logger } = deps
  const traffic = new TrafficCounters()
  const hub = new NotificationHub({ store: messages, logger, retentionFor: retentionResolver(config.retention, config.channelRetention) })
  const activity = new RoomActivityPublisher(hub, logger, config.roomActivityThrottleMs)
  const registry = new RoomRegistry({
    store,
    logger,
    idleMs: config.roomIdleMs,
    compactMaxRows: config.compactMaxRows,
    compactMaxBytes: config.compactMaxBytes,
    onJoin: (room) => activity.joined(room),
    onLeave: (room) => activity.left(room),
    onDocumentChange: (room) => activity.changed(room),
    onPresenceChange: (room) => activity.presenceChanged(room),
    awarenessLimits: { maxEntries: config.maxAwarenessEntries, maxStateBytes: config.maxAwarenessStateBytes },
    onDroppedUpdate: (room, peer) => {
      metrics.droppedReadOnlyUpdates.inc()
      logger.debug({ room: room.name, conn: peer.id }, 'dropped an update from a read-only connection')
    },
    onBatchWritten: (updates, seconds) => {
      metrics.updatesPersisted.inc(updates)
      metrics.persistSeconds.observe(seconds)
    },
  })
  const webhook = config.authWebhookUrl
    ? new WebhookAuthorizer({ url: config.authWebhookUrl, timeoutMs: config.authWebhookTimeoutMs, cacheMs: config.authWebhookCacheMs, logger })
    : null
  const guard = new UpgradeGuard(new AccessPolicy({ secret: config.authSecret, webhook }), config.allowedOrigins)
  const maySubscribe = (identity: Identity, channel: string): Promise<boolean> => guard.maySubscribe(identity, channel)
  const collab = new CollabEndpoint({
    registry,
    logger,
    maxFrameBytes: config.maxFrameBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    pingIntervalMs: config.pingIntervalMs,
    channels: { hub, maxSubscriptions: config.maxSubscriptions, maySubscribe },
    traffic,
    onSlowConsumer: () => metrics.rejected.inc({ reason: 'slow_consumer' }),
  })
  const events = new EventsEndpoint({
    hub,
    logger,
    maxSubscriptions: config.maxSubscriptions,
    maxEventBufferBytes: config.maxEventBufferBytes,
    pingIntervalMs: config.pingIntervalMs,
    maySubscribe,
    traffic,
    onSlowConsumer: () => metrics.rejected.inc({ reason: 'slow_consumer' }),
  })
  const metrics = new ServerMetrics({
    documentConnections: () => registry.connectionCount,
    eventConnections: () => events.socketCount,
    roomsLoaded: () => registry.size,
    traffic,
    hub: hub.counters,
  })
  const bridge = config.redisUrl
    ? new RedisBridge({ url: config.redisUrl, prefix: config.redisPrefix, hub, logger, maxPayloadBytes: config.maxPublishBytes })
    : null
  const pruner = setInterval(() => {
    hub.pruneAll().catch((error: unknown) => logger.error({ err: error }, 'pruning channel history failed'))
  }, PRUNE_INTERVAL_MS)
  pruner.unref()

  const app = createApp({ config, registry, store, hub, bridge, guard, metrics, logger, startedAt: Date.now() })
  const httpServer = createAdaptorServer({ fetch: app.fetch }) as Server

  httpServer.on('upgrade', (request, socket, head) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'socket error during upgrade'))
    const url = new URL(request.url ?? '/', 'http://upgrade.invalid')
    const admission = { url, headers: request.headers }
    const reject = (status: number, code: RejectionReason | 'internal', message: string): void => {
      if (code !== 'internal') metrics.rejected.inc({ reason: code })
      rejectUpgrade(socket, status, code, message)
    }
    const refuse = (error: unknown, room?: string): void => {
      if (error instanceof AdmissionError) {
        metrics.rejected.inc({ reason: error.code })
        logger.info({ room, code: error.code, address: request.socket.remoteAddress }, `connection refused: ${error.message}`)
        rejectUpgrade(socket, error.status, error.code, error.message)
        return
      }
      logger.error({ err: error, room }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal', 'internal server error')
    }
    if (url.pathname === EVENTS_PATH) {
      guard.identify(admission).then((identity) => events.handleUpgrade(request, socket, head, identity), refuse)
      return
    }
    const match = COLLAB_PATH.exec(url.pathname)
    if (!match) {
      reject(404, 'not_found', `no WebSocket endpoint at ${url.pathname}`)
      return
    }
    const room = match[1]!
    const problem = roomNameProblem(room)
    if (problem) {
      reject(400, 'invalid_room_name', problem)
      return
    }
    guard
      .admitToRoom(admission, room)
      .then((granted) => collab.handleUpgrade(request, socket, head, room, granted))
      .catch((error: unknown) => refuse(error, room))
  })

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  // The bridge retries in the background; the server serves whether or not Redis is there.
  bridge?.start().catch((error: unknown) => logger.warn({ err: error }, 'Redis bridge could not connect yet; retrying'))
  const { port } = httpServer.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host

  let closing: Promise<void> | null = null
  return {
    url: `http://${host}:${port}`,
    port,
    registry,
    hub,
    bridge,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
        clearInterval(pruner)
        events.close()
        await registry.shutdown()
        collab.close()
        activity.close()
        await bridge?.close()
        httpServer.closeAllConnections()
        await stopped
      })()
      return closing
    },
  }
}

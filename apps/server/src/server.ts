/**
 * Composes a running Tandem server: the Hono app on a Node HTTP server, WebSocket upgrades routed by
 * path, and the room registry over a document store. Tests start it on port 0; `main.ts` starts it
 * from the environment.
 */
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { roomNameProblem } from '@tandem/protocol'
import { CollabEndpoint } from './collab/collab-endpoint.js'
import { rejectUpgrade } from './collab/reject-upgrade.js'
import type { Config } from './config.js'
import { createApp } from './http/app.js'
import type { Logger } from './logger.js'
import { RoomRegistry } from './rooms/room-registry.js'
import type { DocumentStore } from './storage/document-store.js'
import type { Server } from 'node:http'

/** What a server runs on. The caller owns the store and closes it after {@link TandemServer.close}. */
export interface ServerDeps {
  store: DocumentStore
  logger: Logger
}

/** A listening server. */
export interface TandemServer {
  /** `http://host:port` it listens on. */
  url: string
  port: number
  registry: RoomRegistry
  /** Stop accepting, close sockets with GoingAway, flush and compact rooms. Idempotent. */
  close(): Promise<void>
}

const COLLAB_PATH = /^\/collab\/(.*)$/

/**
 * Start listening on `config.host:config.port`.
 * @example
 * const server = await startServer({ ...config, port: 0 }, { store, logger })
 * const ws = new WebSocket(`${server.url.replace('http', 'ws')}/collab/my-room`)
 */
export async function startServer(config: Config, deps: ServerDeps): Promise<TandemServer> {
  const { store, logger } = deps
  const registry = new RoomRegistry({
    store,
    logger,
    idleMs: config.roomIdleMs,
    compactMaxRows: config.compactMaxRows,
    compactMaxBytes: config.compactMaxBytes,
  })
  const collab = new CollabEndpoint({
    registry,
    logger,
    maxFrameBytes: config.maxFrameBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    pingIntervalMs: config.pingIntervalMs,
  })
  const app = createApp({ registry, store, logger, startedAt: Date.now(), webDir: config.webDir })
  const httpServer = createAdaptorServer({ fetch: app.fetch }) as Server

  httpServer.on('upgrade', (request, socket, head) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'socket error during upgrade'))
    const path = new URL(request.url ?? '/', 'http://upgrade.invalid').pathname
    const match = COLLAB_PATH.exec(path)
    if (!match) {
      rejectUpgrade(socket, 404, 'not_found', `no WebSocket endpoint at ${path}`)
      return
    }
    const room = match[1]!
    const problem = roomNameProblem(room)
    if (problem) {
      rejectUpgrade(socket, 400, 'invalid_room_name', problem)
      return
    }
    collab.handleUpgrade(request, socket, head, room).catch((error: unknown) => {
      logger.error({ err: error, room }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal', 'internal server error')
    })
  })

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const { port } = httpServer.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host

  let closing: Promise<void> | null = null
  return {
    url: `http://${host}:${port}`,
    port,
    registry,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()))
        await registry.shutdown()
        collab.close()
        httpServer.closeAllConnections()
        await stopped
      })()
      return closing
    },
  }
}

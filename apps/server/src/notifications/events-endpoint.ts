/**
 * `ws://HOST:PORT/api/events`: a WebSocket carrying JSON channel frames and nothing else, for pages
 * and services that have no document open. Each connection gets its own {@link ChannelSession}.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { ChannelErrorCode, type ServerChannelFrame } from '@tandem/protocol'
import { WebSocketServer } from 'ws'
import type { Logger } from '../logger.js'
import { Heartbeat } from '../sockets/heartbeat.js'
import { WsPeer } from '../sockets/ws-peer.js'
import { ChannelSession } from './channel-session.js'
import type { NotificationHub } from './notification-hub.js'

/** Client frames are small; anything bigger is not a subscribe or unsubscribe. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024

/** Options of an {@link EventsEndpoint}. */
export interface EventsEndpointOptions {
  hub: NotificationHub
  logger: Logger
  maxSubscriptions: number
  /** Outbound bytes queued per socket before it is cut off. */
  maxEventBufferBytes: number
  pingIntervalMs: number
  /** May this connection subscribe to `pattern`? */
  authorize?: (pattern: string, request: IncomingMessage) => boolean | Promise<boolean>
}

/** Accepts notification-only WebSocket connections. */
export class EventsEndpoint {
  readonly #options: EventsEndpointOptions
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false, clientTracking: false })
  readonly #heartbeat: Heartbeat
  #nextId = 1

  constructor(options: EventsEndpointOptions) {
    this.#options = options
    this.#heartbeat = new Heartbeat(options.pingIntervalMs)
  }

  /** Number of open notification sockets. */
  get socketCount(): number {
    return this.#heartbeat.size
  }

  /** Take over an upgrade request for `/api/events`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const { hub, logger, maxSubscriptions, maxEventBufferBytes, authorize } = this.#options
      const peer = new WsPeer(`e${this.#nextId++}`, ws, maxEventBufferBytes, logger)
      const send = (frame: ServerChannelFrame): void => peer.sendText(JSON.stringify(frame))
      const session = new ChannelSession({
        hub,
        logger,
        send,
        maxSubscriptions,
        ...(authorize ? { authorize: (pattern: string) => authorize(pattern, request) } : {}),
      })
      peer.onSlowConsumer(() => session.close())
      this.#heartbeat.track(ws)
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          send({ type: 'error', code: ChannelErrorCode.BadFrame, message: 'send channel frames as JSON text' })
          return
        }
        session.handleText((data as Buffer).toString('utf8')).catch((error: unknown) => {
          logger.error({ err: error, conn: peer.id }, 'channel frame failed')
        })
      })
      ws.on('error', (error) => logger.warn({ err: error, conn: peer.id }, 'events connection error'))
      ws.on('close', () => session.close())
    })
  }

  /** Stop pinging and close every socket. */
  close(): void {
    this.#heartbeat.stop()
    this.#wss.close()
  }
}

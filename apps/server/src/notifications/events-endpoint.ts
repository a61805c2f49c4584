/**
 * `ws://HOST:PORT/api/events`: a WebSocket carrying JSON channel frames and nothing else, for pages
 * and services that have no document open. Each connection gets its own {@link ChannelSession}.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { ChannelErrorCode, CloseCode, type ServerChannelFrame } from '@tandem/protocol'
import { expiryTimer } from '../auth/expiry-timer.js'
import type { Identity } from '../auth/identity.js'
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
  /** Frame and byte counts for metrics. */
  traffic?: { received(bytes: number): void; sent(bytes: number): void }
  /** Called when a connection is cut off as a slow consumer. */
  onSlowConsumer?: () => void
  /** May `identity` subscribe to `pattern`? Everything is allowed when omitted. */
  maySubscribe?: (identity: Identity, pattern: string) => Promise<boolean>
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
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const { hub, logger, maxSubscriptions, maxEventBufferBytes, maySubscribe } = this.#options
      const info = { id: `e${this.#nextId++}`, access: 'read' as const, identity, address: request.socket.remoteAddress ?? null }
      const peer = new WsPeer(info, ws, maxEventBufferBytes, logger, this.#options.traffic)
      const expiry = expiryTimer(identity, () => peer.close(CloseCode.TokenExpired, 'token expired; reconnect with a fresh token'))
      const send = (frame: ServerChannelFrame): void => peer.sendText(JSON.stringify(frame))
      const sendJson = (_frame: ServerChannelFrame, json: string): void => peer.sendText(json)
      const session = new ChannelSession({
        hub,
        logger,
        send: sendJson,
        maxSubscriptions,
        ...(maySubscribe ? { authorize: (pattern: string) => maySubscribe(identity, pattern) } : {}),
      })
      peer.onSlowConsumer(() => session.close())
      this.#heartbeat.track(ws)
      if (this.#options.onSlowConsumer) peer.onSlowConsumer(this.#options.onSlowConsumer)
      ws.on('message', (data, isBinary) => {
        this.#options.traffic?.received((data as Buffer).byteLength)
        if (isBinary) {
          send({ type: 'error', code: ChannelErrorCode.BadFrame, message: 'send channel frames as JSON text' })
          return
        }
        session.handleText((data as Buffer).toString('utf8')).catch((error: unknown) => {
          logger.error({ err: error, conn: peer.id }, 'channel frame failed')
        })
      })
      ws.on('error', (error) => logger.warn({ err: error, conn: peer.id }, 'events connection error'))
      ws.on('close', () => {
        expiry?.cancel()
        session.close()
      })
    })
  }

  /** Stop pinging and close every socket. */
  close(): void {
    this.#heartbeat.stop()
    this.#wss.close()
  }
}

/**
 * `ws://HOST:PORT/api/events`: a WebSocket carrying JSON channel frames and nothing else, for pages
 * and services that have no document open. Each connection gets its own {@link ChannelSession}.
 * Admission (host, per-address and pending limits, origin, token) happened before the upgrade; after
 * it, the connection has the same inbound budget as a document socket (each subscribe may cost
 * webhook calls and a history replay), and once the socket is closing, frames still arriving are
 * dropped unread.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { ChannelErrorCode, CloseCode, type ServerChannelFrame } from '@tandem/protocol'
import { WebSocket, WebSocketServer } from 'ws'

import { expiryTimer } from '../auth/expiry-timer.js'
import type { Identity } from '../auth/identity.js'
import { closeCodeFor, closeReasonFor } from '../errors.js'
import type { Logger } from '../logger.js'
import { ChannelSession } from '../notifications/channel-session.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { FramePacer } from './frame-pacer.js'
import { Heartbeat } from './heartbeat.js'
import { InboundBudget, type InboundLimits } from './inbound-budget.js'
import { WsPeer } from './ws-peer.js'

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
  /** Frames, bytes and refused frames a connection may send (`MAX_MESSAGES_PER_SECOND`...); unlimited when omitted. */
  inbound?: Omit<InboundLimits, 'maxFrameBytes'>
  /** Called when a connection is cut off for sending over its budget. */
  onRateLimited?: () => void
  /** May `identity` subscribe to `pattern`, or read a private channel a wildcard matched? */
  maySubscribe: (identity: Identity, pattern: string) => Promise<boolean>
}

/** Accepts notification-only WebSocket connections. */
export class EventsEndpoint {
  readonly #options: EventsEndpointOptions
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  })
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
        authorize: (pattern: string) => maySubscribe(identity, pattern),
        bufferedBytes: () => ws.bufferedAmount,
        maxBufferedBytes: maxEventBufferBytes,
      })
      peer.onSlowConsumer(() => session.close())
      this.#heartbeat.track(ws)
      if (this.#options.onSlowConsumer) peer.onSlowConsumer(this.#options.onSlowConsumer)
      const inbound = this.#options.inbound
      const budget = inbound ? new InboundBudget({ ...inbound, maxFrameBytes: MAX_CLIENT_FRAME_BYTES }) : null
      const handleFrame = ([data, isBinary]: [Buffer, boolean]): void => {
        // `ws` still emits frames that were already buffered when the close began (a slow consumer
        // cut off, an expired token); subscribing for a closing socket would only cost webhook calls.
        if (ws.readyState !== WebSocket.OPEN) return
        try {
          budget?.charge(data.byteLength)
          if (isBinary) budget?.refused()
        } catch (error) {
          // Nothing may throw out of a socket listener: it would end the process.
          logger.warn({ conn: peer.id, err: error }, 'closing events connection: over its inbound budget')
          if (closeCodeFor(error) === CloseCode.RateLimited) this.#options.onRateLimited?.()
          session.close()
          peer.close(closeCodeFor(error), closeReasonFor(error))
          return
        }
        if (isBinary) {
          send({ type: 'error', code: ChannelErrorCode.BadFrame, message: 'send channel frames as JSON text' })
          return
        }
        session.handleText(data.toString('utf8')).catch((error: unknown) => {
          // Too many frames waiting (RateLimited), or a bug: either way the connection ends.
          const code = closeCodeFor(error)
          if (code === CloseCode.RateLimited) this.#options.onRateLimited?.()
          logger[code === CloseCode.RateLimited ? 'warn' : 'error'](
            { err: error, conn: peer.id },
            'channel frame failed; closing events connection',
          )
          peer.close(code, closeReasonFor(error))
        })
      }
      // A burst of frames read in one go is handled a few milliseconds per turn, as on document sockets.
      const pacer = new FramePacer({ handle: handleFrame, flow: ws })
      ws.on('message', (data, isBinary) => {
        this.#options.traffic?.received((data as Buffer).byteLength)
        pacer.push([data as Buffer, isBinary])
      })
      ws.on('error', (error) => logger.warn({ err: error, conn: peer.id }, 'events connection error'))
      ws.on('close', () => {
        pacer.close()
        expiry?.cancel()
        session.close()
      })
    })
  }

  /** Stop pinging and close every socket. */
  /** Stop, and close every subscriber with `ServiceRestart` (1012): it reconnects at once, to this node or another. */
  close(): void {
    // Not terminated (1006): told, so that they reconnect at once.
    this.#heartbeat.closeAll(CloseCode.ServiceRestart, 'server restarting: reconnect now')
    this.#wss.close()
  }
}

/**
 * The `/collab/<room>` WebSocket endpoint. The room is loaded *before* the upgrade completes, so a
 * room that cannot load is refused with an HTTP error rather than an empty document. After that,
 * every frame goes to the room; a frame the room rejects closes only that connection, with the close
 * code from the protocol table, logged once with room and connection id.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { CloseCode, closeCodeName, encodeChannelFrame, MessageType } from '@tandem/protocol'
import { WebSocket, WebSocketServer } from 'ws'

import { expiryTimer } from '../auth/expiry-timer.js'
import { type Identity, identityLabel } from '../auth/identity.js'
import { AdmissionError } from '../auth/upgrade-guard.js'
import { closeCodeFor, closeReasonFor, ConnectionError } from '../errors.js'
import type { Logger } from '../logger.js'
import { ChannelSession } from '../notifications/channel-session.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import type { Room } from '../rooms/room.js'
import { decodeFrame } from '../rooms/room.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { FramePacer } from '../sockets/frame-pacer.js'
import { Heartbeat } from '../sockets/heartbeat.js'
import { InboundBudget, type InboundLimits } from '../sockets/inbound-budget.js'
import { WsPeer } from '../sockets/ws-peer.js'
import { rejectUpgrade } from './reject-upgrade.js'

/** Options of a {@link CollabEndpoint}. */
export interface CollabEndpointOptions {
  registry: RoomRegistry
  logger: Logger
  /** Largest frame accepted; `ws` closes with 1009 above it. */
  maxFrameBytes: number
  /** Outbound bytes queued per socket before it is cut off. */
  maxBufferedBytes: number
  /** Interval of pings; a socket that has not answered the previous one is terminated. */
  pingIntervalMs: number
  /** Frame and byte counts for metrics. */
  traffic?: { received(bytes: number): void; sent(bytes: number): void }
  /** Called when a connection is cut off as a slow consumer. */
  onSlowConsumer?: () => void
  /** What one connection may send before it is closed with `RateLimited`; unlimited when omitted. */
  inbound?: Omit<InboundLimits, 'maxFrameBytes'>
  /** Called when a connection is closed with `RateLimited`. */
  onRateLimited?: () => void
  /**
   * Notification channels multiplexed on document sockets (message type 100). A connection gets
   * channel frames only after it subscribes, so stock y-websocket clients never see one.
   */
  channels?: { hub: NotificationHub; maxSubscriptions: number; maySubscribe: (identity: Identity, channel: string) => Promise<boolean> }
}

/** Who was admitted, decided before the upgrade. */
export interface Admission {
  identity: Identity
  access: 'read' | 'write'
  /** The client's address as admission counted it (`X-Forwarded-For` under `TRUST_PROXY`). */
  address?: string
}

/**
 * Release `room` when `socket` closes, unless the returned function is called first (the upgrade was
 * accepted and the connection leaves the room itself). A function of its own so that the listener,
 * which lives as long as the socket, holds only these three and not the upgrade's request and head.
 */
function releaseUnlessAccepted(socket: Duplex, registry: RoomRegistry, room: Room): () => void {
  const release = (): void => registry.release(room)
  socket.on('close', release)
  return () => socket.off('close', release)
}

/** Accepts document connections and wires them to rooms. */
export class CollabEndpoint {
  readonly #options: CollabEndpointOptions
  readonly #wss: WebSocketServer
  readonly #heartbeat: Heartbeat
  /** Every connection's inbound limits: one object, not a copy per connection. */
  readonly #inbound: InboundLimits | null
  #nextId = 1

  constructor(options: CollabEndpointOptions) {
    this.#options = options
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.#inbound = options.inbound ? { ...options.inbound, maxFrameBytes: options.maxFrameBytes } : null
    this.#heartbeat = new Heartbeat(options.pingIntervalMs, () => options.logger.info('terminating a connection that missed a ping'))
  }

  /** Number of open document sockets. */
  get socketCount(): number {
    return this.#heartbeat.size
  }

  /** Take over an upgrade request for `roomName` (already validated). */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, roomName: string, admission: Admission): Promise<void> {
    const { registry, logger } = this.#options
    let room: Room
    try {
      room = await registry.reserve(roomName)
    } catch (error) {
      // Deleted while this upgrade was admitted: refused as a deleted document (4404), not as a failure.
      if (error instanceof ConnectionError && error.closeCode === CloseCode.RoomDeleted) {
        throw new AdmissionError(404, 'room_deleted', error.message)
      }
      const shuttingDown = error instanceof ConnectionError && error.closeCode === CloseCode.GoingAway
      logger.error({ err: error, room: roomName }, 'refusing connection: room could not be loaded')
      rejectUpgrade(
        socket,
        503,
        shuttingDown ? 'shutting_down' : 'room_unavailable',
        shuttingDown ? 'server is shutting down' : 'the document could not be loaded; try again',
      )
      return
    }
    if (socket.destroyed) {
      registry.release(room)
      return
    }
    // `ws` answers a malformed handshake itself and never calls back: release the room then.
    const accepted = releaseUnlessAccepted(socket, registry, room)
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      accepted()
      this.#accept(ws, room, request, admission)
    })
  }

  /** Stop pinging and cut any socket still open. Rooms close their own sockets first on shutdown. */
  close(): void {
    this.#heartbeat.stop()
    this.#wss.close()
  }

  #accept(ws: WebSocket, room: Room, request: IncomingMessage, admission: Admission): void {
    const { registry, logger, maxBufferedBytes } = this.#options
    const info = { id: `c${this.#nextId++}`, ...admission, address: admission.address ?? request.socket.remoteAddress ?? null }
    const peer = new WsPeer(info, ws, maxBufferedBytes, logger, this.#options.traffic)
    const context = { room: room.name, conn: peer.id, user: identityLabel(admission.identity) }
    const expiry = expiryTimer(admission.identity, () => peer.close(CloseCode.TokenExpired, 'token expired; reconnect with a fresh token'))
    this.#heartbeat.track(ws)
    logger.debug({ ...context, address: request.socket.remoteAddress }, 'connection opened')

    let session: ChannelSession | null = null
    const budget = this.#inbound ? new InboundBudget(this.#inbound) : null
    if (this.#options.onSlowConsumer) peer.onSlowConsumer(this.#options.onSlowConsumer)
    const handleFrame = ([data, isBinary]: [Buffer, boolean]): void => {
      // `ws` keeps emitting frames that were already received after we closed the socket: once a
      // connection is refused, nothing it sent next is decoded or applied.
      if (ws.readyState !== WebSocket.OPEN) return
      try {
        budget?.charge(data.byteLength)
        if (!isBinary) throw new ConnectionError(CloseCode.UnsupportedData, 'only binary y-websocket frames are accepted')
        const message = decodeFrame(data)
        if (message.type !== MessageType.Channel) {
          const verdict = room.handle(peer, message)
          if (verdict === 'refused') budget?.refused()
          // Stock clients send back every awareness change the room sends them: the room's doing, not theirs.
          else if (verdict === 'echo') budget?.refund(data.byteLength)
          return
        }
        session ??= this.#openSession(peer)
        session.handleText(message.json).catch((error: unknown) => this.#fail(peer, context, error))
      } catch (error) {
        this.#fail(peer, context, error)
      }
    }
    // A burst of frames read in one go is handled a few milliseconds per turn, in order.
    const pacer = new FramePacer({ handle: handleFrame, flow: ws })
    ws.on('message', (data, isBinary) => {
      this.#options.traffic?.received((data as Buffer).byteLength)
      pacer.push([data as Buffer, isBinary])
    })
    // `ws` reports framing errors (reserved bits, oversized frames) here and closes the socket itself.
    ws.on('error', (error) => logger.warn({ ...context, err: error }, 'connection error'))
    ws.on('close', (code) => {
      // An exception here would escape the socket's event emitter and end the process.
      try {
        pacer.close()
        expiry?.cancel()
        session?.close()
        registry.leave(room, peer)
        logger.debug({ ...context, code }, 'connection closed')
      } catch (error) {
        logger.error({ ...context, err: error }, 'cleaning up a closed connection failed')
      }
    })
    try {
      registry.join(room, peer)
    } catch (error) {
      this.#fail(peer, context, error)
    }
  }

  #openSession(peer: WsPeer): ChannelSession {
    const channels = this.#options.channels
    if (!channels) throw new ConnectionError(CloseCode.UnknownMessageType, 'notification channels are not enabled on this server')
    const session = new ChannelSession({
      hub: channels.hub,
      logger: this.#options.logger,
      maxSubscriptions: channels.maxSubscriptions,
      send: (_frame, json) => peer.send(encodeChannelFrame(json)),
      // A history replay waits for the client to read what it sent.
      bufferedBytes: () => peer.socket.bufferedAmount,
      maxBufferedBytes: this.#options.maxBufferedBytes,
      authorize: (pattern: string) => channels.maySubscribe(peer.identity, pattern),
    })
    peer.onSlowConsumer(() => session.close())
    return session
  }

  #fail(peer: WsPeer, context: { room: string; conn: string }, error: unknown): void {
    const code = closeCodeFor(error)
    if (code === CloseCode.RateLimited) this.#options.onRateLimited?.()
    const level = code === CloseCode.InternalError || code === CloseCode.StorageUnavailable ? 'error' : 'warn'
    this.#options.logger[level]({ ...context, code: closeCodeName(code), err: error }, 'closing connection')
    peer.close(code, closeReasonFor(error))
  }
}

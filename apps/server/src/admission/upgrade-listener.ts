/**
 * The HTTP server's `upgrade` listener: every WebSocket starts here. In order, each step cheap before
 * the next: the request target must be a plain path, the `Host` one the server answers to, the path
 * a known endpoint with a valid room name; then the client address gets a connection slot and the
 * server an admission slot; then origin, token and room access are checked and a room not in memory
 * counts against the address's new-room allowance; only then is the room loaded and the socket
 * upgraded. Every refusal is counted by reason. It is an HTTP answer with a JSON body, except for a
 * document socket refused for who is asking (token, room access, limits), which is accepted and
 * closed at once with a code a browser can read (`collab/close-refusal.ts`).
 *
 * A client owns the request line and headers, so nothing here may throw out of the listener: an
 * exception in an `upgrade` handler is an uncaught exception, and the process exits.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { roomNameProblem } from '@tandem/protocol'

import { AdmissionError, type UpgradeGuard } from '../auth/upgrade-guard.js'
import { type CloseRefusal, refusalCloseCode } from '../collab/close-refusal.js'
import type { CollabEndpoint } from '../collab/collab-endpoint.js'
import { rejectUpgrade } from '../collab/reject-upgrade.js'
import type { Logger } from '../logger.js'
import type { RejectionReason } from '../metrics/server-metrics.js'
import { ADMIN_ACTOR } from '../rooms/delete-room.js'
import { type RoomQuota, RoomQuotaError } from '../rooms/room-quota.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { EventsEndpoint } from '../sockets/events-endpoint.js'
import type { DocumentStore } from '../storage/document-store.js'
import { clientAddress } from './client-address.js'
import type { ConnectionLimits, Slot } from './connection-limits.js'

/** What the listener routes to and checks with. */
export interface UpgradeListenerDeps {
  guard: UpgradeGuard
  limits: ConnectionLimits
  registry: RoomRegistry
  /** Tells whether a room not in memory is stored (opening it creates nothing), or was deleted. */
  store: Pick<DocumentStore, 'info' | 'deletedAt' | 'trashed'>
  /** `MAX_ROOMS`, asked before a name stored nowhere is opened. */
  quota: Pick<RoomQuota, 'admit'>
  collab: CollabEndpoint
  events: EventsEndpoint
  logger: Logger
  /** `TRUST_PROXY`: take the client address from `X-Forwarded-For`. */
  trustProxy: boolean
  /** Count a refusal. */
  onRefused: (reason: RejectionReason) => void
  /** Closes refused document connections with a code a browser can read. */
  refusal: CloseRefusal
}

const COLLAB_PATH = /^\/collab\/(.*)$/
const EVENTS_PATH = '/api/events'

/** Stands in for the host when a request path is resolved; the real `Host` is checked on its own. */
const BASE = 'http://upgrade.invalid'

/**
 * The URL of an upgrade request, or `null` unless its target is a path (origin-form, RFC 9112
 * §3.2.1): `//x`, `http://x/...`, `*` and the like are not what a WebSocket client sends.
 */
function upgradeUrl(target: string | undefined): URL | null {
  if (!target || target[0] !== '/' || target[1] === '/' || target[1] === '\\') return null
  try {
    const url = new URL(`${BASE}${target}`)
    return url.origin === BASE ? url : null
  } catch {
    return null
  }
}

/** Bytes a client may send before its handshake is answered; a WebSocket client sends none (RFC 6455 §4.1). */
const MAX_EARLY_BYTES = 64 * 1024

/**
 * Notice a client hanging up while its upgrade awaits admission. Node stops reading a socket it
 * hands to 'upgrade', so a FIN would go unseen until the server writes, after loading a room for
 * nobody. Reading resumes here; bytes that arrive early are put back in order when `handOver` is
 * called, just before `ws` takes the socket (which must then be resumed: `ws` only listens).
 */
function watchHangUp(socket: Duplex): { handOver(): void } {
  const early: Buffer[] = []
  let size = 0
  const onData = (chunk: Buffer): void => {
    size += chunk.length
    if (size > MAX_EARLY_BYTES) socket.destroy()
    else early.push(chunk)
  }
  const onEnd = (): void => {
    socket.destroy()
  }
  socket.on('data', onData)
  socket.on('end', onEnd)
  let handedOver = false
  return {
    handOver() {
      if (handedOver) return
      handedOver = true
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.pause()
      if (early.length > 0) socket.unshift(Buffer.concat(early))
    },
  }
}

/** Remove `socket` from `set` when it closes; the listener holds the two and nothing else. */
function forgetWhenClosed(set: Set<Duplex>, socket: Duplex): void {
  socket.on('close', () => set.delete(socket))
}

/** Routes and admits upgrade requests; {@link handle} is the `upgrade` listener. */
export class UpgradeListener {
  readonly #deps: UpgradeListenerDeps
  /** Sockets awaiting admission: not tracked by the HTTP server, so closed here on shutdown. */
  readonly #admitting = new Set<Duplex>()
  #warnedAboutProxy = false

  constructor(deps: UpgradeListenerDeps) {
    this.#deps = deps
  }

  /**
   * The `upgrade` listener.
   * @example
   * httpServer.on('upgrade', new UpgradeListener({ guard, limits, registry, collab, events, logger, trustProxy: false, onRefused }).handle)
   */
  readonly handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { logger } = this.#deps
    // Registered first: a reset while anything below runs must not become an unhandled 'error'.
    socket.on('error', (error) => logger.debug({ err: error }, 'socket error during upgrade'))
    try {
      this.#route(request, socket, head)
    } catch (error) {
      logger.error({ err: error, target: request.url?.slice(0, 200) }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal', 'internal server error')
    }
  }

  /** Cut every connection still awaiting admission (server shutdown). */
  close(): void {
    for (const socket of this.#admitting) socket.destroy()
    this.#admitting.clear()
  }

  /** A per-address limit tripped behind a proxy that is not trusted: every client shares its address. */
  #warnAboutProxy(address: string): void {
    if (this.#warnedAboutProxy) return
    this.#warnedAboutProxy = true
    this.#deps.logger.warn(
      { address },
      'a per-address limit tripped for a request with X-Forwarded-For: if a proxy in front sets it, set TRUST_PROXY=true, or all its clients share one address',
    )
  }

  #route(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const deps = this.#deps
    const { guard, limits, logger } = deps
    if (socket.destroyed) return
    const address = clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], deps.trustProxy)
    /** Set once the socket is read for hang-ups; it must be handed back before `ws` takes it. */
    let watch: { handOver(): void } | null = null
    const refuse = (error: unknown, room?: string): void => {
      if (error instanceof AdmissionError) {
        deps.onRefused(error.code)
        // Limits trip by the thousand under a flood; the metrics count them, the log need not.
        logger[error.status === 429 ? 'debug' : 'info']({ room, code: error.code, address }, `connection refused: ${error.message}`)
        if (error.status === 429 && !deps.trustProxy && request.headers['x-forwarded-for'] !== undefined) this.#warnAboutProxy(address)
        const code = room === undefined ? null : refusalCloseCode(error)
        if (code === null) {
          rejectUpgrade(socket, error.status, error.code, error.message)
          return
        }
        watch?.handOver()
        deps.refusal.refuse(request, socket, head, error, code)
        return
      }
      logger.error({ err: error, room, address }, 'upgrade failed')
      rejectUpgrade(socket, 500, 'internal', 'internal server error')
    }
    const reject = (status: number, reason: RejectionReason, message: string): void => {
      deps.onRefused(reason)
      rejectUpgrade(socket, status, reason, message)
    }

    const url = upgradeUrl(request.url)
    if (!url) {
      reject(400, 'bad_request', 'the request target must be a path such as /collab/<room>')
      return
    }
    try {
      guard.checkHost(request.headers.host)
    } catch (error) {
      refuse(error)
      return
    }
    let room: string | null = null
    if (url.pathname !== EVENTS_PATH) {
      const match = COLLAB_PATH.exec(url.pathname)
      if (!match) {
        reject(404, 'not_found', `no WebSocket endpoint at ${url.pathname.slice(0, 200)}`)
        return
      }
      room = match[1]!
      const problem = roomNameProblem(room)
      if (problem) {
        reject(400, 'invalid_room_name', problem)
        return
      }
    }

    // Both slots are held from here on. The connection slot lives as long as the TCP socket: 'close'
    // comes exactly once however the connection ends (refused, dropped during admission, upgraded
    // and later closed). The admission slot lives until admission is decided, even when the client
    // left meanwhile: its webhook call or room load still runs, and hanging up early must not be a
    // way around the cap on that work.
    let connection: Slot
    let admission: Slot
    try {
      connection = limits.connection(address)
    } catch (error) {
      refuse(error, room ?? undefined)
      return
    }
    // Listeners that live as long as the socket hold only what they need, never this function's
    // scope (the request, its headers and every closure below, a kilobyte or two per connection).
    socket.on('close', connection.release)
    try {
      admission = limits.admission()
    } catch (error) {
      refuse(error, room ?? undefined)
      return
    }
    this.#admitting.add(socket)
    forgetWhenClosed(this.#admitting, socket)
    const admitted = (): void => {
      admission.release()
      this.#admitting.delete(socket)
    }
    const watching = watchHangUp(socket)
    watch = watching
    const admissionRequest = { url, headers: request.headers }

    const upgraded: Promise<void> =
      room === null
        ? guard.identify(admissionRequest).then((identity) => {
            if (socket.destroyed) return
            watching.handOver()
            deps.events.handleUpgrade(request, socket, head, identity)
            socket.resume()
          })
        : guard.admitToRoom(admissionRequest, room).then(async (granted) => {
            if (socket.destroyed) return
            // Only a room that exists nowhere yet counts as created; reopening a stored one does not.
            if (!deps.registry.get(room) && (await deps.store.info(room)) === null) {
              // A link to a deleted document says so, instead of opening an empty one under its name.
              if ((await deps.store.deletedAt(room)) !== null) {
                const byAdmin = (await deps.store.trashed(room))?.trashedBy === ADMIN_ACTOR
                throw new AdmissionError(404, 'room_deleted', byAdmin ? 'deleted by an administrator' : 'this document was deleted')
              }
              if (socket.destroyed) return
              limits.openRoom(address)
              try {
                await deps.quota.admit()
              } catch (error) {
                if (error instanceof RoomQuotaError) throw new AdmissionError(507, 'too_many_rooms', error.message)
                throw error
              }
              if (socket.destroyed) return
            }
            watching.handOver()
            try {
              await deps.collab.handleUpgrade(request, socket, head, room, { ...granted, address })
            } finally {
              socket.resume()
            }
          })
    upgraded
      .catch((error: unknown) => refuse(error, room ?? undefined))
      .finally(admitted)
      .catch(() => {})
  }
}

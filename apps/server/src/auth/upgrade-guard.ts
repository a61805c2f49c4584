/**
 * Admission of WebSocket and streaming connections, decided before anything is upgraded or streamed:
 * the `Host` must be one the server is known by (DNS rebinding, see `host-policy.ts`), the browser
 * origin must be allowed, and in secure mode the token (`?token=` — the stock y-websocket `params` —
 * or `Authorization: Bearer`) must be valid and grant the room. Refusals carry the HTTP status to
 * answer with: 401 no or bad token, 403 host, origin or room not allowed.
 */
import type { IncomingHttpHeaders } from 'node:http'

import type { AccessPolicy } from './access-policy.js'
import { bearerToken } from './bearer.js'
import type { HostPolicy } from './host-policy.js'
import type { Identity } from './identity.js'
import { TokenError } from './tokens.js'

/** Why a connection is refused, with the HTTP answer for it. */
export class AdmissionError extends Error {
  override name = 'AdmissionError'
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 429 | 507,
    readonly code:
      | 'bad_request'
      | 'unauthorized'
      | 'token_expired'
      | 'forbidden'
      | 'host_not_allowed'
      | 'origin_not_allowed'
      | 'too_many_connections'
      | 'server_busy'
      | 'too_many_new_rooms'
      | 'too_many_uploads'
      | 'room_deleted'
      | 'too_many_rooms',
    message: string,
  ) {
    super(message)
  }
}

/** What a request offers for admission. */
export interface AdmissionRequest {
  url: URL
  headers: IncomingHttpHeaders | Record<string, string | undefined>
}

const header = (headers: AdmissionRequest['headers'], name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Where browser pages may connect from; see {@link originAllowed}. */
export interface OriginRules {
  /** `ALLOWED_ORIGINS`, or `null` for same-origin only. */
  allowedOrigins: readonly string[] | null
  /** Host names the server answers to. */
  hosts: HostPolicy
  /** `PUBLIC_URL`'s origin, allowed even when a proxy in front rewrites `Host`. */
  publicOrigin?: string | null
}

/**
 * Whether a browser `origin` may connect. No `Origin` header (servers, scripts, native apps) is
 * allowed: the check protects browsers' ambient credentials. Without an allowlist, the origin must be
 * `PUBLIC_URL`'s, or the server's own (same host as `Host`) *and* a host the server answers to: `Host`
 * and `Origin` are both chosen by whoever built the page, so their agreement alone proves nothing.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, rules: OriginRules): boolean {
  if (origin === undefined) return true
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (rules.allowedOrigins !== null) return rules.allowedOrigins.includes(parsed.origin)
  if (rules.publicOrigin && parsed.origin === rules.publicOrigin) return true
  return host !== undefined && parsed.host === host.toLowerCase() && rules.hosts.allows(parsed.host)
}

/** Admission decisions for one server. */
export class UpgradeGuard {
  readonly #policy: AccessPolicy
  readonly #origins: OriginRules

  constructor(policy: AccessPolicy, origins: OriginRules) {
    this.#policy = policy
    this.#origins = origins
  }

  /** Whether tokens are required. */
  get secure(): boolean {
    return this.#policy.secure
  }

  /**
   * Refuse a request whose `Host` the server does not answer to.
   * @throws {AdmissionError} 403 `host_not_allowed`.
   */
  checkHost(host: string | undefined): void {
    if (this.#origins.hosts.allows(host)) return
    throw new AdmissionError(
      403,
      'host_not_allowed',
      `this server does not answer to host ${JSON.stringify(host?.slice(0, 100))}: list it in PUBLIC_URL or ALLOWED_HOSTS`,
    )
  }

  /**
   * Who is connecting.
   * @throws {AdmissionError} for a host or origin not allowed (403) or a missing or invalid token (401).
   */
  async identify(request: AdmissionRequest): Promise<Identity> {
    this.checkHost(header(request.headers, 'host'))
    if (!originAllowed(header(request.headers, 'origin'), header(request.headers, 'host'), this.#origins)) {
      throw new AdmissionError(403, 'origin_not_allowed', `origin ${header(request.headers, 'origin')?.slice(0, 200)} is not allowed`)
    }
    const token = request.url.searchParams.get('token') ?? bearerToken(header(request.headers, 'authorization'))
    try {
      return await this.#policy.authenticate(token)
    } catch (error) {
      if (!(error instanceof TokenError)) throw error
      throw new AdmissionError(401, error.problem === 'expired' ? 'token_expired' : 'unauthorized', error.message)
    }
  }

  /**
   * Admit a document connection to `room`.
   * @throws {AdmissionError} as {@link identify}, or 403 when the room is not granted.
   */
  async admitToRoom(request: AdmissionRequest, room: string): Promise<{ identity: Identity; access: 'read' | 'write' }> {
    const identity = await this.identify(request)
    const access = await this.#policy.roomAccess(identity, room)
    if (access === null) throw new AdmissionError(403, 'forbidden', `not allowed to open room ${room}`)
    return { identity, access }
  }

  /** How `identity` may use `room`. */
  roomAccess(identity: Identity, room: string): Promise<'read' | 'write' | null> {
    return this.#policy.roomAccess(identity, room)
  }

  /** Whether `identity` may subscribe to `channel`. */
  maySubscribe(identity: Identity, channel: string): Promise<boolean> {
    return this.#policy.maySubscribe(identity, channel)
  }
}

/**
 * Admission of WebSocket and streaming connections, decided before anything is upgraded or streamed:
 * the browser origin must be allowed, and in secure mode the token (`?token=` — the stock y-websocket
 * `params` — or `Authorization: Bearer`) must be valid and grant the room. Refusals carry the HTTP
 * status to answer with: 401 no or bad token, 403 origin or room not allowed.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { AccessPolicy } from './access-policy.js'
import { bearerToken } from './bearer.js'
import type { Identity } from './identity.js'
import { TokenError } from './tokens.js'

/** Why a connection is refused, with the HTTP answer for it. */
export class AdmissionError extends Error {
  override name = 'AdmissionError'
  constructor(
    readonly status: 401 | 403,
    readonly code: 'unauthorized' | 'token_expired' | 'forbidden' | 'origin_not_allowed',
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

/**
 * Whether a browser `origin` may connect. No `Origin` header (servers, scripts, native apps) is
 * allowed: the check protects browsers' ambient credentials. Without an allowlist, only the server's
 * own origin (same host) is allowed.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[] | null): boolean {
  if (origin === undefined) return true
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (allowed !== null) return allowed.includes(parsed.origin)
  return host !== undefined && parsed.host === host
}

/** Admission decisions for one server. */
export class UpgradeGuard {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly allowedOrigins: readonly string[] | null,
  ) {}

  /** Whether tokens are required. */
  get secure(): boolean {
    return this.policy.secure
  }

  /**
   * Who is connecting.
   * @throws {AdmissionError} for a foreign origin (403) or a missing or invalid token (401).
   */
  async identify(request: AdmissionRequest): Promise<Identity> {
    if (!originAllowed(header(request.headers, 'origin'), header(request.headers, 'host'), this.allowedOrigins)) {
      throw new AdmissionError(403, 'origin_not_allowed', `origin ${header(request.headers, 'origin')} is not allowed`)
    }
    const token = request.url.searchParams.get('token') ?? bearerToken(header(request.headers, 'authorization'))
    try {
      return await this.policy.authenticate(token)
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
    const access = await this.policy.roomAccess(identity, room)
    if (access === null) throw new AdmissionError(403, 'forbidden', `not allowed to open room ${room}`)
    return { identity, access }
  }

  /** How `identity` may use `room`. */
  roomAccess(identity: Identity, room: string): Promise<'read' | 'write' | null> {
    return this.policy.roomAccess(identity, room)
  }

  /** Whether `identity` may subscribe to `channel`. */
  maySubscribe(identity: Identity, channel: string): Promise<boolean> {
    return this.policy.maySubscribe(identity, channel)
  }
}

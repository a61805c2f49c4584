/**
 * `GET /api/events?channel=a&channel=b[&since=<id>]`: Server-Sent Events, the fallback for clients
 * that cannot open a WebSocket. `Last-Event-ID` (sent by a reconnecting EventSource) wins over
 * `since`. A heartbeat comment keeps proxies from closing an idle stream. The response is written to
 * Node's socket directly so a reader that stops reading is seen (its buffer grows) and cut off.
 *
 * A stream counts as one of its client address's connections (`MAX_CONNECTIONS_PER_ADDRESS`) and,
 * while its subscriptions are authorized, as an admission in progress (`MAX_PENDING_UPGRADES`).
 * It ends, after a last `token_expired` error frame, when its token expires, as a WebSocket would
 * close with 4410. A client may leave at any `await`: nothing is set up for a response already closed.
 */
import type { ServerResponse } from 'node:http'

import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { ChannelErrorCode, channelPatternProblem, MAX_CHANNELS_PER_FRAME, type ServerChannelFrame } from '@tandem/protocol'
import { z } from 'zod'

import { clientAddress } from '../admission/client-address.js'
import type { ConnectionLimits, Slot } from '../admission/connection-limits.js'
import { expiryTimer } from '../auth/expiry-timer.js'
import type { Identity } from '../auth/identity.js'
import { AdmissionError, type UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { RejectionReason } from '../metrics/server-metrics.js'
import { ChannelSession } from '../notifications/channel-session.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { formatSseComment, formatSseFrame } from '../notifications/sse-format.js'
import { apiRouter, errors, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { httpErrorOf, identifyRequest } from './identify-request.js'

/** What the SSE route needs. */
export interface EventsSseDeps {
  hub: NotificationHub
  logger: Logger
  maxSubscriptions: number
  maxEventBufferBytes: number
  sseHeartbeatMs: number
  guard: UpgradeGuard
  limits: ConnectionLimits
  /** `TRUST_PROXY`: take the client address from `X-Forwarded-For`. */
  trustProxy: boolean
  /** Count a refusal by a limit. */
  onRefused?: (reason: RejectionReason) => void
}

const messageId = (name: string) =>
  z
    .string()
    .regex(/^(\d{1,15})?$/, `${name} must be a message id (a non-negative integer)`)
    // Empty is absent, as an EventSource without a last id may send it.
    .transform((id) => (id === '' ? undefined : Number(id)))
    .optional()

const query = z.object({
  channel: z
    .union([z.string(), z.array(z.string())], { error: 'name at least one channel: /api/events?channel=<name>' })
    .transform((value) => [...new Set(Array.isArray(value) ? value : [value])])
    .meta({ param: { description: 'A channel or pattern (`room:*`); repeat for several', example: 'orders' } }),
  since: messageId('since').meta({ param: { description: 'Replay the stored messages after this id first' } }),
})

const headers = z.object({
  'last-event-id': messageId('Last-Event-ID').meta({ param: { description: 'Sent by a reconnecting EventSource; wins over `since`' } }),
})

const eventsRoute = (deps: EventsSseDeps) =>
  createRoute({
    method: 'get',
    path: '/',
    tags: ['Notifications'],
    summary: 'Subscribe with Server-Sent Events',
    description: [
      'The fallback for clients that cannot open a WebSocket. Each message is an SSE event whose `id` is the',
      'message id and whose `data` is a JSON channel frame (`{ "type": "message", "channel", "id", "data", "ts" }`,',
      'or `subscribed`, `gap` or `error`); a comment line every `SSE_HEARTBEAT_MS` keeps proxies from closing it.',
      '',
      '```sh',
      'curl -N "http://localhost:8787/api/events?channel=orders&since=0"',
      '```',
    ].join('\n'),
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { query, headers },
    responses: {
      200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
      ...errors(400, 401, 403, 429, 503),
    },
  })

/** Whether the client is gone (or the response already over): nothing more is worth doing for it. */
const gone = (outgoing: ServerResponse): boolean => outgoing.destroyed || outgoing.writableEnded

/**
 * Start the event stream on `outgoing`: headers, heartbeat and a session writing frames, all torn
 * down (then `onEnd`) when the response closes, the reader stops reading, or the token expires.
 */
function startStream(
  deps: EventsSseDeps,
  outgoing: ServerResponse,
  identity: Identity,
  authorize: (channel: string) => boolean | Promise<boolean>,
  onEnd: () => void,
): ChannelSession {
  outgoing.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  })
  let open = true
  let expiry: { cancel(): void } | null = null
  const write = (text: string): void => {
    if (!open || gone(outgoing)) return
    if (outgoing.writableLength > deps.maxEventBufferBytes) {
      deps.logger.warn({ buffered: outgoing.writableLength }, 'SSE reader is not reading; disconnecting it')
      stop()
      outgoing.destroy()
      return
    }
    outgoing.write(text)
  }
  const session = new ChannelSession({
    hub: deps.hub,
    logger: deps.logger,
    maxSubscriptions: deps.maxSubscriptions,
    send: (frame, json) => write(formatSseFrame(frame, json)),
    authorize,
    // A history replay waits for the reader to take what it was sent.
    bufferedBytes: () => outgoing.writableLength,
    maxBufferedBytes: deps.maxEventBufferBytes,
  })
  const heartbeat = setInterval(() => write(formatSseComment('heartbeat')), deps.sseHeartbeatMs)
  const stop = (): void => {
    open = false
    clearInterval(heartbeat)
    expiry?.cancel()
    session.close()
    onEnd()
  }
  outgoing.on('close', stop)
  outgoing.on('error', (error) => deps.logger.debug({ err: error }, 'SSE response error'))
  // Tell EventSource to retry after 2 s rather than its default.
  write('retry: 2000\n\n')
  // Armed last: for a token that ran out during authorization the callback runs at once.
  expiry = expiryTimer(identity, () => {
    const frame: ServerChannelFrame = {
      type: 'error',
      code: ChannelErrorCode.TokenExpired,
      message: 'token expired; reconnect with a fresh token',
    }
    write(formatSseFrame(frame))
    stop()
    outgoing.end()
  })
  return session
}

/** The SSE route. */
export function eventsSseRoute(deps: EventsSseDeps): OpenAPIHono<AppEnv> {
  const take = (slot: () => Slot): Slot => {
    try {
      return slot()
    } catch (error) {
      if (error instanceof AdmissionError) deps.onRefused?.(error.code)
      throw httpErrorOf(error)
    }
  }

  return apiRouter().openapi(eventsRoute(deps), async (c) => {
    const { channel: channels, since: sinceQuery } = c.req.valid('query')
    if (channels.length > Math.min(MAX_CHANNELS_PER_FRAME, deps.maxSubscriptions)) {
      throw new HttpError(
        400,
        'too_many_subscriptions',
        `at most ${Math.min(MAX_CHANNELS_PER_FRAME, deps.maxSubscriptions)} channels per stream`,
      )
    }
    for (const channel of channels) {
      const problem = channelPatternProblem(channel)
      if (problem) throw new HttpError(400, 'bad_channel', problem)
    }
    const since = c.req.valid('header')['last-event-id'] ?? sinceQuery
    const outgoing = c.env?.outgoing
    const incoming = c.env?.incoming
    if (!outgoing || !incoming) throw new HttpError(500, 'internal', 'Server-Sent Events need the Node HTTP server')
    if (gone(outgoing)) return RESPONSE_ALREADY_SENT

    // The connection slot is released on 'close', registered before the first await so a client
    // leaving during authorization is heard; releasing is idempotent, so early exits release too. The
    // stream counts as an admission until its first subscription is in place, even if the client left
    // meanwhile: the webhook calls are still running, and leaving must not be a way around the cap.
    const address = clientAddress(incoming.socket.remoteAddress, incoming.headers['x-forwarded-for'], deps.trustProxy)
    const connection = take(() => deps.limits.connection(address))
    outgoing.once('close', () => connection.release())
    let admission: Slot
    try {
      admission = take(() => deps.limits.admission())
    } catch (error) {
      connection.release()
      throw error
    }
    const identity = c.var.identity
    try {
      for (const channel of channels) {
        const allowed = await deps.guard.maySubscribe(identity, channel)
        if (gone(outgoing)) return RESPONSE_ALREADY_SENT
        if (!allowed) throw new HttpError(403, 'forbidden', `not allowed to subscribe to ${channel}`)
      }
      // Names allowed above cost no second webhook call; private channels that a wildcard matches
      // are still checked one by one by the session.
      const allowed = new Set(channels)
      const authorize = (channel: string): boolean | Promise<boolean> => allowed.has(channel) || deps.guard.maySubscribe(identity, channel)
      const session = startStream(deps, outgoing, identity, authorize, () => connection.release())
      // Authorized: the replay that follows goes at the reader's pace, however slow, and must not
      // hold an admission slot meanwhile.
      admission.release()
      await session.subscribe(channels, since)
    } catch (error) {
      connection.release()
      throw error
    } finally {
      admission.release()
    }
    return RESPONSE_ALREADY_SENT
  })
}

/**
 * `GET /api/events?channel=a&channel=b[&since=<id>]`: Server-Sent Events, the fallback for clients
 * that cannot open a WebSocket. `Last-Event-ID` (sent by a reconnecting EventSource) wins over
 * `since`. A heartbeat comment keeps proxies from closing an idle stream. The response is written to
 * Node's socket directly so a reader that stops reading is seen (its buffer grows) and cut off.
 */
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { channelPatternProblem, MAX_CHANNELS_PER_FRAME } from '@tandem/protocol'
import { Hono } from 'hono'
import { identifyRequest } from '../auth/identify-request.js'
import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { AppEnv } from './app-env.js'
import type { Logger } from '../logger.js'
import { ChannelSession } from '../notifications/channel-session.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { formatSseComment, formatSseFrame } from '../notifications/sse-format.js'

/** What the SSE route needs. */
export interface EventsSseDeps {
  hub: NotificationHub
  logger: Logger
  maxSubscriptions: number
  maxEventBufferBytes: number
  sseHeartbeatMs: number
  guard: UpgradeGuard
}

function parseSince(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, 'bad_request', `${name} must be a message id (a non-negative integer)`)
  return Number(value)
}

/** The SSE route. */
export function eventsSseRoute(deps: EventsSseDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', identifyRequest(deps.guard), async (c) => {
    const channels = [...new Set(c.req.queries('channel') ?? [])]
    if (channels.length === 0) throw new HttpError(400, 'bad_request', 'name at least one channel: /api/events?channel=<name>')
    if (channels.length > Math.min(MAX_CHANNELS_PER_FRAME, deps.maxSubscriptions)) {
      throw new HttpError(400, 'too_many_subscriptions', `at most ${Math.min(MAX_CHANNELS_PER_FRAME, deps.maxSubscriptions)} channels per stream`)
    }
    for (const channel of channels) {
      const problem = channelPatternProblem(channel)
      if (problem) throw new HttpError(400, 'bad_channel', problem)
    }
    const identity = c.var.identity
    for (const channel of channels) {
      if (!(await deps.guard.maySubscribe(identity, channel))) throw new HttpError(403, 'forbidden', `not allowed to subscribe to ${channel}`)
    }
    const since = parseSince(c.req.header('Last-Event-ID'), 'Last-Event-ID') ?? parseSince(c.req.query('since'), 'since')
    const outgoing = c.env?.outgoing
    if (!outgoing) throw new HttpError(500, 'internal', 'Server-Sent Events need the Node HTTP server')

    outgoing.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    let open = true
    const write = (text: string): void => {
      if (!open) return
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
    })
    const heartbeat = setInterval(() => write(formatSseComment('heartbeat')), deps.sseHeartbeatMs)
    const stop = (): void => {
      open = false
      clearInterval(heartbeat)
      session.close()
    }
    outgoing.on('close', stop)
    // Tell EventSource to retry after 2 s rather than its default.
    write('retry: 2000\n\n')
    await session.subscribe(channels, since)
    return RESPONSE_ALREADY_SENT
  })
}

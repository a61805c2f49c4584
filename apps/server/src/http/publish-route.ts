/**
 * `POST /api/publish`: publish one JSON value to one or more channels. Accepts a JSON body or an
 * HTML-form body (`channel=...&data=...`), so `curl -d` and plain forms work. Requires the publish
 * key (or the admin token) as a bearer token. An `idempotencyKey` makes a retry of the same publish
 * (same key, same set of channels, within five minutes) answer the first ids instead of publishing
 * again; the same key on other channels is another publish.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'

import { requireBearer } from '../auth/bearer.js'
import { HttpError } from '../errors.js'
import { jsonDepthProblem } from '../notifications/json-depth.js'
import { InvalidChannelError, type NotificationHub } from '../notifications/notification-hub.js'
import { validate } from './validate.js'

/** What the route needs. */
export interface PublishRouteDeps {
  hub: NotificationHub
  publishKey: string | null
  adminToken: string | null
  maxPublishBytes: number
  /** Deepest nesting of `data` accepted (400 `payload_too_deep` beyond). */
  maxPublishDepth: number
}

const publishBody = z
  .strictObject({
    channel: z.string().optional(),
    channels: z.array(z.string()).min(1).max(100).optional(),
    data: z.unknown(),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .refine((body) => (body.channel === undefined) !== (body.channels === undefined), 'give exactly one of "channel" or "channels"')
  .refine((body) => body.data !== undefined, '"data" is required (any JSON value)')

type PublishBody = z.infer<typeof publishBody>

/** Form fields: `channel` (repeatable), `data` (JSON if it parses, else the string), `idempotencyKey`. */
function fromForm(form: Record<string, string | File | (string | File)[]>): unknown {
  const strings = (value: unknown): string[] =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string')
  const channels = [...strings(form.channel), ...strings(form.channels)]
  const [raw] = strings(form.data)
  let data: unknown = raw
  if (raw !== undefined) {
    try {
      data = JSON.parse(raw)
    } catch {
      // Not JSON: deliver the text as a string.
    }
  }
  const [idempotencyKey] = strings(form.idempotencyKey)
  return { channels: channels.length > 0 ? channels : undefined, data, ...(idempotencyKey ? { idempotencyKey } : {}) }
}

async function readBody(request: {
  header(name: string): string | undefined
  json(): Promise<unknown>
  parseBody(options: { all: true }): Promise<Record<string, string | File | (string | File)[]>>
}): Promise<PublishBody> {
  const type = request.header('Content-Type')?.split(';')[0]?.trim().toLowerCase()
  let raw: unknown
  if (type === 'application/json') {
    try {
      raw = await request.json()
    } catch {
      throw new HttpError(400, 'bad_request', 'body is not valid JSON')
    }
  } else if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    raw = fromForm(await request.parseBody({ all: true }))
  } else {
    throw new HttpError(415, 'unsupported_media_type', 'send application/json or application/x-www-form-urlencoded')
  }
  return validate(publishBody, raw)
}

/** The publish route. Answers `{ ids: { <channel>: <id> }, duplicate }`. */
export function publishRoute(deps: PublishRouteDeps): Hono {
  const secrets = [deps.publishKey, deps.adminToken].filter((key): key is string => key !== null)
  return new Hono().post(
    '/',
    requireBearer(() => secrets, 'publishing is disabled: set PUBLISH_KEY (or ADMIN_TOKEN) on the server'),
    bodyLimit({
      maxSize: deps.maxPublishBytes,
      onError: (c) => c.json({ error: { code: 'payload_too_large', message: `body is larger than ${deps.maxPublishBytes} bytes` } }, 413),
    }),
    async (c) => {
      const body = await readBody(c.req)
      const tooDeep = jsonDepthProblem(body.data, deps.maxPublishDepth)
      if (tooDeep) throw new HttpError(400, 'payload_too_deep', `"data" is ${tooDeep} (MAX_PUBLISH_DEPTH)`)
      const channels = body.channels ?? [body.channel!]
      try {
        const result = await deps.hub.publish(channels, body.data, body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {})
        return c.json(result)
      } catch (error) {
        if (error instanceof InvalidChannelError) throw new HttpError(400, 'bad_channel', error.message)
        throw error
      }
    },
  )
}

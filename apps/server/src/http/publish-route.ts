/**
 * `POST /api/publish`: publish one JSON value to one or more channels. Accepts a JSON body or an
 * HTML-form body (`channel=...&data=...`), so `curl -d` and plain forms work. Requires the publish
 * key (or the admin token) as a bearer token. An `idempotencyKey` makes a retry of the same publish
 * (same key, same set of channels, within five minutes) answer the first ids instead of publishing
 * again; the same key on other channels is another publish.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { type PublishBody, publishBodySchema, publishedSchema } from '@tandem/protocol'
import { z } from 'zod'

import { requireBearer } from '../auth/bearer.js'
import { HttpError } from '../errors.js'
import { jsonDepthProblem } from '../notifications/json-depth.js'
import { InvalidChannelError, type NotificationHub } from '../notifications/notification-hub.js'
import { apiRouter, errors, json } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { limitBody } from './limit-body.js'
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

/** The form encoding, as documented; {@link fromForm} turns it into the JSON body's fields, validated as JSON is. */
const formBody = z
  .object({
    channel: z.union([z.string(), z.array(z.string())]).meta({ description: 'Repeat the field for several channels' }),
    data: z.string().meta({ description: 'JSON text, or plain text delivered as a string' }),
    idempotencyKey: z.string().optional(),
  })
  .partial()
  .meta({ id: 'PublishForm' })

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

function isForm(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data'
}

const publishRouteOf = (deps: PublishRouteDeps, secrets: string[]) =>
  createRoute({
    method: 'post',
    path: '/',
    tags: ['Notifications'],
    summary: 'Publish a message',
    description: [
      'Publishes one JSON value to one or more channels; every subscriber gets it at once and it is stored for',
      'those who reconnect. Needs the publish key (`PUBLISH_KEY`) or the admin token as a bearer token.',
      '',
      '```sh',
      'curl -X POST http://localhost:8787/api/publish -H "Authorization: Bearer $PUBLISH_KEY" \\',
      '  -H "Content-Type: application/json" -d \'{"channel":"orders","data":{"text":"Order shipped"}}\'',
      '# or as a form',
      'curl http://localhost:8787/api/publish -H "Authorization: Bearer $PUBLISH_KEY" -d channel=orders -d data=shipped',
      '```',
    ].join('\n'),
    security: [{ publishKey: [] }, { adminToken: [] }],
    middleware: [
      requireBearer(() => secrets, 'publishing is disabled: set PUBLISH_KEY (or ADMIN_TOKEN) on the server'),
      limitBody(deps.maxPublishBytes, () => {
        throw new HttpError(413, 'payload_too_large', `body is larger than ${deps.maxPublishBytes} bytes`)
      }),
    ] as const,
    request: {
      body: {
        content: {
          'application/json': { schema: publishBodySchema },
          'application/x-www-form-urlencoded': { schema: formBody },
          'multipart/form-data': { schema: formBody },
        },
      },
    },
    responses: { 200: json(publishedSchema, 'Published (or, for a retry, published before)'), ...errors(400, 401, 413, 415) },
  })

/** The publish route. Answers `{ ids: { <channel>: <id> }, duplicate }`. */
export function publishRoute(deps: PublishRouteDeps): OpenAPIHono<AppEnv> {
  const secrets = [deps.publishKey, deps.adminToken].filter((key): key is string => key !== null)
  return apiRouter().openapi(publishRouteOf(deps, secrets), async (c) => {
    let body: PublishBody
    if (isForm(c.req.header('Content-Type'))) body = validate(publishBodySchema, fromForm(await c.req.parseBody({ all: true })))
    // Two encodings: the typed accessor names neither, but the JSON one was validated by publishBodySchema.
    else if (c.req.header('Content-Type')) body = (c.req as unknown as { valid(target: 'json'): PublishBody }).valid('json')
    else throw new HttpError(415, 'unsupported_media_type', 'send application/json or application/x-www-form-urlencoded')
    const tooDeep = jsonDepthProblem(body.data, deps.maxPublishDepth)
    if (tooDeep) throw new HttpError(400, 'payload_too_deep', `"data" is ${tooDeep} (MAX_PUBLISH_DEPTH)`)
    const channels = body.channels ?? [body.channel!]
    try {
      const result = await deps.hub.publish(channels, body.data, body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {})
      return c.json(result, 200)
    } catch (error) {
      if (error instanceof InvalidChannelError) throw new HttpError(400, 'bad_channel', error.message)
      throw error
    }
  })
}

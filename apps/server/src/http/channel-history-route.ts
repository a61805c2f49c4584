/** `GET /api/channels/<channel>/messages?since=<id>&limit=<n>`: stored history of one channel. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { CHANNEL_NAME_PATTERN, channelHistoryQuerySchema, channelHistorySchema, isValidChannelName } from '@tandem/protocol'
import { z } from 'zod'

import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import { apiRouter, errors, json, USER_SECURITY } from './api-router.js'
import type { AppEnv } from './app-env.js'
import { identifyRequest } from './identify-request.js'

/**
 * Bytes of message data one answer carries at most (at least one message is always sent): `limit`
 * alone would let 1,000 large messages be read and serialized at once, tens of MB for one request.
 */
const MAX_PAGE_BYTES = 1024 * 1024

const params = z.object({
  channel: z
    .string()
    .refine(isValidChannelName, 'invalid channel name')
    .meta({ param: { description: 'One channel (not a pattern)' }, pattern: CHANNEL_NAME_PATTERN.source, example: 'orders' }),
})

const historyRoute = (deps: { guard: UpgradeGuard }) =>
  createRoute({
    method: 'get',
    path: '/{channel}/messages',
    tags: ['Notifications'],
    summary: "Read a channel's stored messages",
    description:
      'Messages after `since`, oldest first: page through with `since` = the last id while `more` is true. In secure mode, `user:<id>` ' +
      'channels are readable by that user only and `room:<name>` by whoever may read the room.',
    security: USER_SECURITY,
    middleware: [identifyRequest(deps.guard)] as const,
    request: { params, query: channelHistoryQuerySchema },
    responses: { 200: json(channelHistorySchema, 'One page of history'), ...errors(400, 401, 403) },
  })

/**
 * Answers `{ messages, gap, more }`: messages after `since`, oldest first, at most `limit` and about
 * 1 MiB of data; `gap` when history no longer reaches `since`; `more` when messages after the last
 * one exist (ask again with `since` = its id).
 */
export function channelHistoryRoute(deps: { hub: NotificationHub; guard: UpgradeGuard }): OpenAPIHono<AppEnv> {
  return apiRouter().openapi(historyRoute(deps), async (c) => {
    const { channel } = c.req.valid('param')
    const { since, limit } = c.req.valid('query')
    if (!(await deps.guard.maySubscribe(c.var.identity, channel))) throw new HttpError(403, 'forbidden', `not allowed to read ${channel}`)
    const [messages, gaps] = await Promise.all([deps.hub.history([channel], since, limit, MAX_PAGE_BYTES), deps.hub.gaps([channel], since)])
    const last = messages.at(-1)
    const more = last !== undefined && (await deps.hub.history([channel], last.id, 1)).length > 0
    return c.json({ messages, gap: gaps.length > 0, more }, 200)
  })
}

/** `GET /api/channels/<channel>/messages?since=<id>&limit=<n>`: stored history of one channel. */
import { isValidChannelName } from '@tandem/protocol'
import { Hono } from 'hono'
import { z } from 'zod'

import type { UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { NotificationHub } from '../notifications/notification-hub.js'
import type { AppEnv } from './app-env.js'
import { identifyRequest } from './identify-request.js'

const query = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/**
 * Bytes of message data one answer carries at most (at least one message is always sent): `limit`
 * alone would let 1,000 large messages be read and serialized at once, tens of MB for one request.
 */
const MAX_PAGE_BYTES = 1024 * 1024

/**
 * Answers `{ messages, gap, more }`: messages after `since`, oldest first, at most `limit` and about
 * 1 MiB of data; `gap` when history no longer reaches `since`; `more` when messages after the last
 * one exist (ask again with `since` = its id).
 */
export function channelHistoryRoute(deps: { hub: NotificationHub; guard: UpgradeGuard }): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/:channel/messages', identifyRequest(deps.guard), async (c) => {
    const channel = c.req.param('channel')
    if (!isValidChannelName(channel)) throw new HttpError(400, 'bad_channel', 'invalid channel name')
    if (!(await deps.guard.maySubscribe(c.var.identity, channel))) throw new HttpError(403, 'forbidden', `not allowed to read ${channel}`)
    const parsed = query.safeParse(c.req.query())
    if (!parsed.success) throw new HttpError(400, 'bad_request', 'since must be a message id (integer ≥ 0) and limit 1-1000')
    const { since, limit } = parsed.data
    const [messages, gaps] = await Promise.all([deps.hub.history([channel], since, limit, MAX_PAGE_BYTES), deps.hub.gaps([channel], since)])
    const last = messages.at(-1)
    const more = last !== undefined && (await deps.hub.history([channel], last.id, 1)).length > 0
    return c.json({ messages, gap: gaps.length > 0, more })
  })
}

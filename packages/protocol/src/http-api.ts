/**
 * The shapes of Tandem's HTTP API, declared once as zod schemas: the server validates requests and
 * describes its OpenAPI document with them, the web app and tests read answers with them. A schema
 * with a `meta({ id })` is a named component of `/api/openapi.json`.
 */
import { z } from 'zod'

import { channelMessageSchema } from './channel.js'
import { ROOM_NAME_MAX_LENGTH, ROOM_NAME_PATTERN, roomNameProblem } from './room-name.js'

/** Milliseconds since the epoch. */
const timestamp = z.number().int().nonnegative()
const count = z.number().int().nonnegative()

/** Every error answer: a stable machine-readable `code` and a sentence for people. */
export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, e.g. `bad_request`, `unauthorized`, `forbidden`, `not_found`, `room_exists`' }),
      message: z.string().meta({ description: 'What went wrong and what to change, for people' }),
    }),
  })
  .meta({ id: 'Error', description: 'The body of every 4xx and 5xx answer' })

/** A room name, with the reason when it is not one. */
export const roomNameSchema = z
  .string()
  .superRefine((name, context) => {
    const problem = roomNameProblem(name)
    if (problem) context.addIssue({ code: 'custom', message: problem })
  })
  .meta({
    description: `1-${ROOM_NAME_MAX_LENGTH} letters, digits, ".", "_" or "-"`,
    pattern: ROOM_NAME_PATTERN.source,
    example: 'team-notes',
  })

// ---- Health ----

/** `GET /api/health`. */
export const healthSchema = z
  .object({
    ok: z.literal(true),
    rooms: count.meta({ description: 'Rooms held in memory' }),
    connections: count.meta({ description: 'Open document connections' }),
    uptimeS: count,
    redis: z.enum(['disabled', 'connecting', 'subscribing', 'ready', 'reconnecting', 'closed']).meta({
      description: '`ready` only while the Redis bridge is connected and subscribed; the server serves without it',
    }),
    cluster: z.enum(['disabled', 'ready', 'degraded']).meta({
      description:
        '`disabled` for a single node; on a cluster (DATABASE_URL and REDIS_URL), `degraded` while this node cannot reach the others through Redis: it serves its own clients, and reconciles from PostgreSQL once Redis is back',
    }),
    status: z.enum(['ok', 'degraded']).meta({ description: '`degraded` while the cluster is' }),
  })
  .meta({ id: 'Health' })

/** See {@link healthSchema}. */
export type Health = z.infer<typeof healthSchema>

/** `GET /api/ready`: whether a load balancer should send this node traffic. */
export const readinessSchema = z
  .object({
    ready: z.boolean().meta({
      description: 'Storage answers and, when REDIS_URL is set, the Redis bridge is ready and (on a cluster) this node hears the others',
    }),
    storage: z.enum(['ok', 'unreachable']).meta({ description: 'Whether the document store answered a trivial query within a second' }),
    redis: healthSchema.shape.redis,
    cluster: healthSchema.shape.cluster,
    draining: z
      .boolean()
      .meta({ description: 'SIGTERM arrived: the node serves its clients for DRAIN_DELAY_MS, then closes them with 1012' }),
  })
  .meta({ id: 'Readiness' })

/** See {@link readinessSchema}. */
export type Readiness = z.infer<typeof readinessSchema>

// ---- Rooms ----

/** A person present in a room, as their awareness state announces them. */
export const presentUserSchema = z
  .object({
    name: z.string().min(1),
    color: z.string().nullable().meta({ description: 'As announced, usually a hex colour; `null` when none or unusable' }),
  })
  .meta({ id: 'PresentUser' })

/** See {@link presentUserSchema}. */
export type PresentUser = z.infer<typeof presentUserSchema>

/** One document of the room directory. */
export const roomSummarySchema = z
  .object({
    name: roomNameSchema,
    title: z.string().meta({ description: 'The title set on the document, else its first heading or line; empty for an empty document' }),
    lastActivity: timestamp.meta({ description: 'Last edit or join, ms since the epoch' }),
    connections: count.meta({ description: 'Open connections' }),
    users: z.array(presentUserSchema).meta({ description: 'People present, deduplicated by name and colour; at most 50' }),
    userCount: count.meta({ description: 'How many distinct people are present, listed or not' }),
    bytes: count.meta({ description: 'Bytes stored (0 for a live room nothing was written to yet)' }),
    snippet: z
      .string()
      .optional()
      .meta({ description: 'Only in answers to a search (`q`): text around the first match, matched words between « and »' }),
  })
  .meta({ id: 'RoomSummary' })

/** See {@link roomSummarySchema}. */
export type RoomSummary = z.infer<typeof roomSummarySchema>

/** Query of `GET /api/rooms`. */
export const roomListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).meta({ description: 'Most rooms answered' }),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Words to find in titles, names and text; every word must appear (a word may be the start of one)' }),
  sort: z
    .enum(['activity', 'name'])
    .default('activity')
    .meta({ description: '`activity`: most recent first; `name`: by title, then name' }),
})

/** `GET /api/rooms`: most recently active first (or by name); with `q`, the matching ones with a snippet. */
export const roomListSchema = z.object({ rooms: z.array(roomSummarySchema) }).meta({ id: 'RoomList' })

/** Body of `PATCH /api/rooms/{room}`. */
export const updateRoomBodySchema = z
  .strictObject({ title: z.string().max(200).meta({ description: 'The title; empty to go back to the first heading or line' }) })
  .meta({ id: 'UpdateRoom' })

/** Body of `POST /api/rooms`. */
/** Most characters of Markdown or plain text a document can be created from. */
export const MAX_IMPORT_CHARS = 2_000_000

/** What a new document starts with instead of an empty paragraph: imported Markdown, text or ProseMirror JSON. */
export const importContentSchema = z
  .discriminatedUnion('format', [
    z.strictObject({ format: z.literal('markdown'), text: z.string().max(MAX_IMPORT_CHARS) }),
    z.strictObject({ format: z.literal('text'), text: z.string().max(MAX_IMPORT_CHARS).meta({ description: 'One paragraph per line' }) }),
    z.strictObject({
      format: z.literal('json'),
      document: z.record(z.string(), z.unknown()).meta({ description: 'A ProseMirror document (`{ "type": "doc", "content": [...] }`)' }),
    }),
  ])
  .meta({
    id: 'ImportContent',
    description:
      'Read into the Tandem schema: unknown nodes and marks give way to their text, raw HTML in Markdown stays text, links other than http(s), mailto and tel lose their target.',
  })

/** What a new document can be made from. */
export type ImportContent = z.infer<typeof importContentSchema>

export const createRoomBodySchema = z
  .strictObject({ name: roomNameSchema, content: importContentSchema.optional() })
  .meta({ id: 'CreateRoom' })

/** Answer of `POST /api/rooms` (201). */
export const createdRoomSchema = z.object({ room: z.object({ name: z.string() }) }).meta({ id: 'CreatedRoom' })

// ---- Notifications ----

/** Body of `POST /api/publish` (JSON, or the same fields as an HTML form). */
export const publishBodySchema = z
  .strictObject({
    channel: z.string().optional().meta({ description: 'One channel; or give `channels`', example: 'orders' }),
    channels: z.array(z.string()).min(1).max(100).optional().meta({ description: 'Several channels at once; or give `channel`' }),
    data: z
      .unknown()
      .nonoptional({ error: '"data" is required (any JSON value)' })
      .meta({ description: 'Any JSON value (required); in a form, JSON text or plain text', example: { text: 'Order shipped' } }),
    idempotencyKey: z.string().min(1).max(200).optional().meta({
      description: 'A retry with the same key and channels within five minutes answers the first ids instead of publishing again',
    }),
  })
  .refine((body) => (body.channel === undefined) !== (body.channels === undefined), 'give exactly one of "channel" or "channels"')
  .meta({ id: 'Publish' })

/** See {@link publishBodySchema}. */
export type PublishBody = z.infer<typeof publishBodySchema>

/** Answer of `POST /api/publish`. */
export const publishedSchema = z
  .object({
    ids: z.record(z.string(), count).meta({ description: 'The id of the message on each channel' }),
    duplicate: z
      .boolean()
      .meta({ description: 'A retry of an earlier publish with the same `idempotencyKey`: nothing was published again' }),
  })
  .meta({ id: 'Published' })

/** Query of `GET /api/channels/{channel}/messages`. */
export const channelHistoryQuerySchema = z.object({
  since: z.coerce.number().int().min(0).default(0).meta({ description: 'Answer the messages after this id' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/** Answer of `GET /api/channels/{channel}/messages`. */
export const channelHistorySchema = z
  .object({
    messages: z.array(channelMessageSchema).meta({ description: 'Oldest first, at most `limit` and about 1 MiB of data' }),
    gap: z.boolean().meta({ description: 'History no longer reaches back to `since`: messages were dropped by retention' }),
    more: z.boolean().meta({ description: 'Later messages exist: ask again with `since` = the last id' }),
  })
  .meta({ id: 'ChannelHistory' })

// ---- Admin ----

/** One row of the admin room table. */
export const adminRoomSchema = roomSummarySchema
  .extend({
    logRows: count.meta({ description: 'Stored update rows not yet compacted into the snapshot' }),
    createdAt: timestamp.nullable().meta({ description: 'First stored; `null` for a live room nothing was written to yet' }),
    loaded: z.boolean().meta({ description: 'Held in memory (on a cluster, by any node with connections to it)' }),
  })
  .meta({ id: 'AdminRoom' })

/** See {@link adminRoomSchema}. */
export type AdminRoom = z.infer<typeof adminRoomSchema>

/** Sort keys of the admin room table. */
export const ROOM_SORT_KEYS = ['name', 'lastActivity', 'bytes', 'connections'] as const

/** One of {@link ROOM_SORT_KEYS}. */
export type RoomSortKey = (typeof ROOM_SORT_KEYS)[number]

/** Query of `GET /api/admin/rooms`. */
export const adminRoomsQuerySchema = z.object({
  prefix: z.string().max(128).optional().meta({ description: 'Only names starting with this' }),
  q: z.string().max(128).optional().meta({ description: 'Only names containing this, ignoring case' }),
  sort: z.enum(ROOM_SORT_KEYS).default('lastActivity'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional().meta({ description: 'The `nextCursor` of the previous page' }),
})

/** One page of the admin room table. */
export const adminRoomPageSchema = z
  .object({
    rooms: z.array(adminRoomSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; `null` on the last' }),
    total: count.meta({ description: 'Rooms matching the query over every page' }),
  })
  .meta({ id: 'AdminRoomPage' })

/** See {@link adminRoomPageSchema}. */
export type AdminRoomPage = z.infer<typeof adminRoomPageSchema>

/** One open connection of a room. */
export const adminConnectionSchema = z
  .object({
    id: z.string(),
    user: z.string().meta({ description: 'Verified name in secure mode, else the announced one' }),
    userId: z.string().nullable().meta({ description: "The token's `sub`; `null` for anonymous connections" }),
    readOnly: z.boolean(),
    color: z.string().nullable().meta({ description: "From the token, else the connection's awareness state" }),
    connectedAt: timestamp.nullable(),
    address: z.string().nullable(),
  })
  .meta({ id: 'AdminConnection' })

/** See {@link adminConnectionSchema}. */
export type AdminConnection = z.infer<typeof adminConnectionSchema>

/** A room with its open connections. */
export const adminRoomDetailSchema = adminRoomSchema
  .extend({ connectionsList: z.array(adminConnectionSchema) })
  .meta({ id: 'AdminRoomDetail' })

/** See {@link adminRoomDetailSchema}. */
export type AdminRoomDetail = z.infer<typeof adminRoomDetailSchema>

/** One live node of the cluster (a single node lists itself). */
export const clusterNodeSchema = z
  .object({
    id: z.string().meta({ description: 'NODE_ID, or host name, process id and a random suffix' }),
    address: z.string().meta({ description: 'Where the node listens (PUBLIC_URL when set)' }),
    connections: count.meta({ description: 'Open document connections on this node' }),
    rooms: count.meta({ description: 'Rooms loaded on this node' }),
    startedAt: timestamp,
    uptimeS: count,
    lastHeartbeat: timestamp.meta({ description: 'A node not heard of for 10 s is dead and no longer listed' }),
    self: z.boolean().meta({ description: 'The node that answered' }),
  })
  .meta({ id: 'ClusterNode' })

/** See {@link clusterNodeSchema}. */
export type ClusterNode = z.infer<typeof clusterNodeSchema>

/** `GET /api/admin/nodes`. */
export const adminNodesSchema = z.object({ nodes: z.array(clusterNodeSchema) }).meta({ id: 'AdminNodes' })

/** Formats of `GET /api/admin/rooms/{room}/export`. */
export const EXPORT_FORMATS = ['json', 'html', 'markdown', 'text'] as const

/** Body of `POST /api/admin/broadcast`: an announcement to everyone on `broadcast`. */
export const broadcastBodySchema = z
  .strictObject({
    message: z.string().trim().min(1).max(2000),
    title: z.string().trim().min(1).max(200).optional(),
    level: z.enum(['info', 'warning']).default('info'),
  })
  .meta({ id: 'Broadcast' })

/** What a token says about its holder; the claims of `POST /api/admin/tokens`. */
export const tokenClaimsSchema = z.object({
  sub: z.string().min(1).max(200).meta({ description: 'User id' }),
  name: z.string().min(1).max(80).meta({ description: 'Shown to others' }),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{3,8}$/, 'color must be a hex colour like #3b82f6')
    .optional(),
  exp: z.number().int(),
  rooms: z
    .record(z.string().min(1).max(200), z.enum(['read', 'write']))
    .optional()
    .meta({ description: 'Room name or pattern (`team-*`) to access; none means no room', example: { 'team-*': 'write' } }),
  channels: z
    .array(z.string().min(1).max(201))
    .max(256)
    .optional()
    .meta({ description: 'Public channels or patterns to read beyond `broadcast` and `user:<sub>`' }),
})

/** Body of `POST /api/admin/tokens`. */
export const mintTokenBodySchema = tokenClaimsSchema
  .omit({ exp: true })
  .extend({
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(3600),
  })
  .strict()
  .meta({ id: 'MintToken' })

/** Answer of `POST /api/admin/tokens`. */
export const mintedTokenSchema = z
  .object({ token: z.string().meta({ description: 'HS256 JWT' }), expiresAt: timestamp })
  .meta({ id: 'MintedToken' })

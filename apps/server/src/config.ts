/**
 * The server's configuration: every environment variable Tandem reads is parsed and validated here,
 * once, into a typed object. Nothing else in the server reads `process.env`.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { channelPatternProblem } from '@tandem/protocol'
import { z } from 'zod'

import { CLUSTER_PREFIX } from './cluster/cluster-prefix.js'
import type { RetentionPolicy } from './storage/message-store.js'

/** Thrown by {@link loadConfig} when a variable is malformed; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

// An empty variable (`PORT=`) means "not set", so it falls back to the default instead of parsing as 0.
const unsetIfEmpty = (value: unknown): unknown => (value === '' ? undefined : value)
const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback))
/** Milliseconds in each unit a duration may be written in. */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** Milliseconds in `text`, a number and a unit (`30d`, `12h`, `90m`, `45s`, `500ms`) or `0`; `null` if it is neither. */
export function durationMs(text: string): number | null {
  const match = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text.trim())
  if (!match) return null
  if (match[2]) return Number(match[1]) * DURATION_UNITS[match[2]]!
  return Number(match[1]) === 0 ? 0 : null
}
/** A duration written as {@link durationMs} reads it; `0` for never. */
const duration = (fallback: string, max: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .default(fallback)
      .transform((value, context) => {
        const ms = durationMs(value)
        if (ms === null || ms > max) {
          context.addIssue({
            code: 'custom',
            message: `must be a number and a unit (ms, s, m, h, d) such as 30d, at most ${max / DAY_MS} days, or 0`,
          })
          return z.NEVER
        }
        return ms
      }),
  )
const text = (fallback: string) => z.preprocess(unsetIfEmpty, z.string().min(1).default(fallback))
const flag = (fallback: boolean) =>
  z
    .preprocess(unsetIfEmpty, z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional())
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'))

/** An `ALLOWED_HOSTS` entry: `*`, a host name or IPv4 address, `*.` and a domain, or a bracketed IPv6 address. */
const ALLOWED_HOST = /^(?:\*|(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/

/** Where `apps/web` puts its build, seen from this file in `src/` or `dist/`. */
const defaultWebDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist')

const MiB = 1024 * 1024
const DAY_MS = 86_400_000

const secret = z.preprocess(unsetIfEmpty, z.string().min(16, 'must be at least 16 characters').optional())

const retentionOverride = z.strictObject({
  maxMessages: z.number().int().min(0).max(10_000_000).optional(),
  maxAgeMs: z.number().int().min(0).optional(),
})

/** `CHANNEL_RETENTION`: JSON object from channel name or `prefix*` pattern to a retention override. */
const channelRetention = z.preprocess(
  (value) => {
    if (value === undefined || value === '') return {}
    try {
      return JSON.parse(typeof value === 'string' ? value : '') as unknown
    } catch {
      return Symbol('invalid JSON')
    }
  },
  z
    .record(z.string(), retentionOverride, 'must be a JSON object like {"news":{"maxMessages":100}}')
    .refine(
      (record) => Object.keys(record).every((pattern) => channelPatternProblem(pattern) === null),
      'keys must be channel names or "prefix*" patterns',
    ),
)

const envSchema = z.object({
  PORT: integer(0, 65_535, 8787),
  HOST: text('127.0.0.1'),
  DATA_DIR: text('./data'),
  WEB_DIR: text(defaultWebDir),
  LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  LOG_FORMAT: z.preprocess(unsetIfEmpty, z.enum(['auto', 'json', 'pretty']).default('auto')),
  READY_FILE: z.preprocess(unsetIfEmpty, z.string().min(1).optional()),
  MAX_FRAME_BYTES: integer(1024, 256 * MiB, MiB),
  MAX_BUFFERED_BYTES: integer(64 * 1024, 1024 * MiB, 4 * MiB),
  ROOM_IDLE_MS: integer(0, 24 * 60 * 60 * 1000, 10_000),
  COMPACT_MAX_ROWS: integer(1, 10_000_000, 500),
  COMPACT_MAX_BYTES: integer(1024, 1024 * MiB, 4 * MiB),
  PING_INTERVAL_MS: integer(1000, 10 * 60 * 1000, 30_000),
  DURABILITY: z.preprocess(unsetIfEmpty, z.enum(['crash-safe', 'power-safe']).default('crash-safe')),
  FLUSH_INTERVAL_MS: integer(200, 60_000, 1000),
  DRAIN_DELAY_MS: integer(0, 10 * 60 * 1000, 0),
  PUBLISH_KEY: secret,
  ADMIN_TOKEN: secret,
  MAX_PUBLISH_BYTES: integer(256, 16 * MiB, 64 * 1024),
  // Above a few hundred levels JSON.stringify itself can overflow the stack; see json-depth.ts.
  MAX_PUBLISH_DEPTH: integer(1, 512, 64),
  MAX_SUBSCRIPTIONS: integer(1, 100_000, 128),
  MAX_EVENT_BUFFER_BYTES: integer(16 * 1024, 1024 * MiB, MiB),
  RETENTION_MAX_MESSAGES: integer(0, 10_000_000, 1000),
  RETENTION_MAX_AGE_MS: integer(0, 3650 * DAY_MS, 7 * DAY_MS),
  CHANNEL_RETENTION: channelRetention,
  REDIS_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
  REDIS_PREFIX: z.preprocess(unsetIfEmpty, z.string().min(1).max(100).default('tandem:')),
  DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  ),
  DATABASE_SCHEMA: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase identifier (letters, digits, _), at most 63 characters')
      .default('public'),
  ),
  CLUSTER_NAME: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,100}$/, 'must be 1-100 letters, digits, ".", "_", "/" or "-"')
      .optional(),
  ),
  NODE_ID: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 letters, digits, ".", "_", ":" or "-"')
      .optional(),
  ),
  SSE_HEARTBEAT_MS: integer(1000, 10 * 60 * 1000, 30_000),
  ROOM_ACTIVITY_THROTTLE_MS: integer(0, 10 * 60 * 1000, 3000),
  VERSION_IDLE_MS: integer(100, 24 * 60 * 60 * 1000, 120_000),
  SEARCH_INDEX_DELAY_MS: integer(0, 10 * 60 * 1000, 3_000),
  STATS_SAMPLE_MS: integer(1000, 10 * 60 * 1000, 10_000),
  MAX_UPLOADS_PER_MINUTE: integer(1, 100_000, 20),
  MAX_IMAGE_BYTES: integer(1024, 50 * 1024 * 1024, 10 * 1024 * 1024),
  MAX_DOCUMENT_IMAGES: integer(1, 100_000, 1_000),
  MAX_DOCUMENT_IMAGE_BYTES: integer(1024, 10 * 1024 * 1024 * 1024, 200 * 1024 * 1024),
  MAX_NAMED_VERSIONS: integer(1, 100_000, 500),
  TRASH_RETENTION: duration('30d', 3650 * DAY_MS),
  AUDIT_RETENTION: duration('365d', 36500 * DAY_MS),
  MAX_DOCUMENT_BYTES: integer(64 * 1024, 4 * 1024 * MiB, 64 * MiB),
  MAX_ROOMS: integer(1, 1_000_000_000, 1_000_000),
  AUTH_SECRET: z.preprocess(unsetIfEmpty, z.string().min(32, 'must be at least 32 characters (use a random string)').optional()),
  AUTH_WEBHOOK_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional()),
  AUTH_WEBHOOK_TIMEOUT_MS: integer(100, 60_000, 2000),
  AUTH_WEBHOOK_CACHE_MS: integer(0, 10 * 60 * 1000, 5000),
  AUTH_WEBHOOK_MAX_PER_MINUTE: integer(1, 1_000_000, 600),
  ALLOWED_ORIGINS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ error: 'must be a comma-separated list of origins like https://app.example.com' })))
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(
    unsetIfEmpty,
    z.url({ protocol: /^https?$/, error: 'must be the http:// or https:// URL browsers use, e.g. https://docs.example.com' }).optional(),
  ),
  ALLOWED_HOSTS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(ALLOWED_HOST, 'must be a comma-separated list of host names without port, like docs.example.com,*.example.com (or *)'),
        ),
      )
      .optional(),
  ),
  TRUST_PROXY: flag(false),
  MAX_CONNECTIONS_PER_ADDRESS: integer(1, 1_000_000, 64),
  MAX_SOCKETS_PER_ADDRESS: integer(1, 1_000_000, 128),
  MAX_PENDING_UPGRADES: integer(1, 1_000_000, 256),
  MAX_NEW_ROOMS_PER_MINUTE: integer(1, 1_000_000, 30),
  HTTP_HEADERS_TIMEOUT_MS: integer(1000, 10 * 60 * 1000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(1000, 60 * 60 * 1000, 30_000),
  MAX_AWARENESS_STATE_BYTES: integer(256, MiB, 8 * 1024),
  MAX_AWARENESS_ENTRIES: integer(1, 10_000, 16),
  MAX_AWARENESS_IDS_PER_CONNECTION: integer(1, 10_000, 4),
  MAX_AWARENESS_IDS_PER_ROOM: integer(1, 1_000_000, 256),
  MAX_MESSAGES_PER_SECOND: integer(1, 1_000_000, 200),
  MAX_INBOUND_BYTES_PER_SECOND: integer(1024, 1024 * MiB, MiB),
  MAX_REJECTED_MESSAGES: integer(1, 1_000_000, 100),
  MAX_PENDING_UPDATE_BYTES: integer(0, 256 * MiB, 64 * 1024),
  MAX_UPDATE_STRUCTS: integer(100, 10_000_000, 4096),
  MAX_APPLY_MS_PER_MINUTE: integer(10, 3_600_000, 1000),
  MAX_INTEGRATION_MS: integer(5, 10_000, 25),
})

/** Validated server configuration. Sizes are bytes, durations milliseconds. Derived from {@link toConfig}. */
export type Config = ReturnType<typeof toConfig>

/** Every environment variable the server reads, with its default (`undefined` when unset means off). */
export function environmentDefaults(): Record<string, unknown> {
  const parsed: Record<string, unknown> = envSchema.parse({})
  return Object.fromEntries(Object.keys(envSchema.shape).map((name) => [name, parsed[name]]))
}

/**
 * Parse the environment into a {@link Config}.
 * @throws {ConfigError} naming each variable that is malformed or out of range.
 * @example
 * const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  const v = parsed.data
  const conflicts = [
    v.HTTP_HEADERS_TIMEOUT_MS > v.HTTP_REQUEST_TIMEOUT_MS && 'HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS',
    v.MAX_SOCKETS_PER_ADDRESS < v.MAX_CONNECTIONS_PER_ADDRESS &&
      'MAX_SOCKETS_PER_ADDRESS: must be at least MAX_CONNECTIONS_PER_ADDRESS (every WebSocket is a TCP connection too)',
    v.DATABASE_URL !== undefined &&
      v.REDIS_URL !== undefined &&
      CLUSTER_PREFIX.startsWith(v.REDIS_PREFIX) &&
      `REDIS_PREFIX: must not be a prefix of "${CLUSTER_PREFIX}", where the nodes of a cluster talk (the PUBLISH bridge would take their traffic for notifications)`,
  ].filter((problem) => problem !== false)
  if (conflicts.length > 0) throw new ConfigError(`invalid configuration:\n  ${conflicts.join('\n  ')}`)
  return toConfig(v)
}

/**
 * The configuration the server runs with, from the parsed environment: the one place that names
 * each setting, documents it and gives its type ({@link Config} is what this returns).
 */
function toConfig(v: z.output<typeof envSchema>) {
  return {
    /** TCP port to listen on; 0 picks a free one. */
    port: v.PORT,
    host: v.HOST,
    /** Directory holding the SQLite database. */
    dataDir: resolve(v.DATA_DIR),
    /** Directory with the built web app, served at `/`. */
    webDir: resolve(v.WEB_DIR),
    logLevel: v.LOG_LEVEL,
    /** How log lines are written: readable at a terminal, JSON lines otherwise (`auto`), or forced. */
    logFormat: v.LOG_FORMAT,
    /**
     * File the server writes `{ url, port, pid, host }` to once it listens (atomically), so a supervisor
     * or a test waits for it instead of reading logs; `null` writes none.
     */
    readyFile: v.READY_FILE === undefined ? null : resolve(v.READY_FILE),
    /** Largest WebSocket frame accepted; larger ones close the connection with 1009. */
    maxFrameBytes: v.MAX_FRAME_BYTES,
    /** Outbound bytes queued for one socket before it is cut off as a slow consumer. */
    maxBufferedBytes: v.MAX_BUFFERED_BYTES,
    /** How long a room with no connections stays in memory before it is unloaded. */
    roomIdleMs: v.ROOM_IDLE_MS,
    /** Compact a document once its update log has this many rows... */
    compactMaxRows: v.COMPACT_MAX_ROWS,
    /** ...or this many bytes. */
    compactMaxBytes: v.COMPACT_MAX_BYTES,
    /** Interval of WebSocket pings; a socket that misses one is closed. */
    pingIntervalMs: v.PING_INTERVAL_MS,
    /**
     * `crash-safe`: every update is in the database's write-ahead log before it is relayed, so killing
     * the process loses nothing relayed; a worker thread makes the log durable every
     * `flushIntervalMs`, so a power cut loses at most that plus one flush (more only if the worker
     * failed for good, which is logged and shows in `tandem_log_flush_age_seconds`). `power-safe`:
     * an update is relayed, a publish answered, only after an fsync of the log that covers it; the
     * fsync runs off the event loop and commits made meanwhile share the next (storage/log-sync.ts).
     */
    durability: v.DURABILITY,
    /** Longest time between two flushes (fsync, checkpoint) of the log; in crash-safe mode the most a power cut loses. */
    flushIntervalMs: v.FLUSH_INTERVAL_MS,
    /**
     * On SIGTERM, how long the node keeps serving with `/api/ready` answering 503 (so a load balancer
     * that polls it stops sending new clients) before it closes its sockets with 1012 and exits.
     */
    drainDelayMs: v.DRAIN_DELAY_MS,
    /** Bearer key accepted by `POST /api/publish`; publishing needs it (or the admin token). */
    publishKey: v.PUBLISH_KEY ?? null,
    /** Administrator bearer token. */
    adminToken: v.ADMIN_TOKEN ?? null,
    /** Largest publish request body. */
    maxPublishBytes: v.MAX_PUBLISH_BYTES,
    /** Deepest nesting of arrays/objects in a published value (HTTP publish and the Redis bridge). */
    maxPublishDepth: v.MAX_PUBLISH_DEPTH,
    /** Most channel subscriptions one connection may hold. */
    maxSubscriptions: v.MAX_SUBSCRIPTIONS,
    /** Outbound bytes queued for one notification subscriber before it is cut off. */
    maxEventBufferBytes: v.MAX_EVENT_BUFFER_BYTES,
    /** History kept per channel unless `channelRetention` says otherwise. */
    retention: { maxMessages: v.RETENTION_MAX_MESSAGES, maxAgeMs: v.RETENTION_MAX_AGE_MS } satisfies RetentionPolicy,
    /** Per-channel overrides, keyed by channel name or `prefix*` pattern. */
    channelRetention: v.CHANNEL_RETENTION,
    /** Redis for the `PUBLISH` bridge; `null` disables it. */
    redisUrl: v.REDIS_URL ?? null,
    /** Redis channels `<prefix><channel>` are republished on `<channel>`. */
    redisPrefix: v.REDIS_PREFIX,
    /** PostgreSQL for documents and channel messages instead of the SQLite file; `null` keeps SQLite. */
    databaseUrl: v.DATABASE_URL ?? null,
    /** The PostgreSQL schema holding Tandem's tables (created if missing). */
    databaseSchema: v.DATABASE_SCHEMA,
    /**
     * With both `databaseUrl` and `redisUrl`, nodes started with the same values form one cluster,
     * named by this (channels and keys under `tandem-cluster:<name>:` in Redis); `null` otherwise.
     * `CLUSTER_NAME`, by default the database's name and schema.
     */
    clusterName:
      v.DATABASE_URL !== undefined && v.REDIS_URL !== undefined
        ? (v.CLUSTER_NAME ?? `${decodeURIComponent(new URL(v.DATABASE_URL).pathname.slice(1)) || 'postgres'}.${v.DATABASE_SCHEMA}`)
        : null,
    /** This node's name in the cluster's admin views and logs; by default host name, process id and a random suffix. */
    nodeId: v.NODE_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    /** Interval of SSE heartbeat comments. */
    sseHeartbeatMs: v.SSE_HEARTBEAT_MS,
    /** Least time between two `room:<name>` messages of one kind (join/leave share one throttle). */
    roomActivityThrottleMs: v.ROOM_ACTIVITY_THROTTLE_MS,
    /** Quiet time after edits that ends a burst and records an automatic version of the document. */
    versionIdleMs: v.VERSION_IDLE_MS,
    /** Quiet time after edits before a document's title and text are indexed for search. */
    searchIndexDelayMs: v.SEARCH_INDEX_DELAY_MS,
    /** Interval at which the admin console's charts sample the metrics; the last 360 samples are kept (an hour at the default). */
    statsSampleMs: v.STATS_SAMPLE_MS,
    /** Largest image one upload may store. */
    maxImageBytes: v.MAX_IMAGE_BYTES,
    /** Most images one document may hold. */
    maxDocumentImages: v.MAX_DOCUMENT_IMAGES,
    /** Most bytes of images one document may hold. */
    maxDocumentImageBytes: v.MAX_DOCUMENT_IMAGE_BYTES,
    /** Named versions one document may keep (never thinned, each a whole copy). */
    maxNamedVersions: v.MAX_NAMED_VERSIONS,
    /** How long a deleted document stays in the trash before it is purged; 0 keeps it until an administrator purges it. */
    trashRetentionMs: v.TRASH_RETENTION,
    /** How long audit log entries are kept; 0 keeps them forever. */
    auditRetentionMs: v.AUDIT_RETENTION,
    /**
     * Most bytes one document may take: its state as Yjs encodes it (before compression) and its
     * update log; images count apart. An edit that would pass it is refused with 4413 and nothing of
     * it is stored.
     */
    maxDocumentBytes: v.MAX_DOCUMENT_BYTES,
    /** Most documents stored at once, those in the trash included: creating one more is refused. */
    maxRooms: v.MAX_ROOMS,
    /** HS256 secret of access tokens; `null` means open mode (no tokens, anyone may edit). */
    authSecret: v.AUTH_SECRET ?? null,
    /** The application's permission endpoint, asked before joins and subscriptions. */
    authWebhookUrl: v.AUTH_WEBHOOK_URL ?? null,
    authWebhookTimeoutMs: v.AUTH_WEBHOOK_TIMEOUT_MS,
    /** How long a webhook answer is reused. */
    authWebhookCacheMs: v.AUTH_WEBHOOK_CACHE_MS,
    /** Webhook calls one user may cause per minute; past it the answer is no until the budget refills. */
    authWebhookMaxPerMinute: v.AUTH_WEBHOOK_MAX_PER_MINUTE,
    /** Browser origins allowed to connect; `null` means same origin as the server. */
    allowedOrigins: v.ALLOWED_ORIGINS ? v.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin) : null,
    /** The URL browsers reach the server at: its host is always served and its origin allowed. */
    publicUrl: v.PUBLIC_URL ?? null,
    /** Host names served besides loopback, IP literals and `publicUrl` (`*.example.com`, `*` for any); `null` for none. */
    allowedHosts: v.ALLOWED_HOSTS ?? null,
    /** Take the client address from the last `X-Forwarded-For` entry (only behind a proxy that sets it). */
    trustProxy: v.TRUST_PROXY,
    /** Document and event WebSockets plus SSE streams one client address may hold. */
    maxConnectionsPerAddress: v.MAX_CONNECTIONS_PER_ADDRESS,
    /** TCP connections one client address may hold (not applied with `trustProxy`). */
    maxSocketsPerAddress: v.MAX_SOCKETS_PER_ADDRESS,
    /** Connections awaiting admission (token, webhook, room load) at once, server-wide. */
    maxPendingUpgrades: v.MAX_PENDING_UPGRADES,
    /** Rooms not in memory one client address may open per minute. */
    maxNewRoomsPerMinute: v.MAX_NEW_ROOMS_PER_MINUTE,
    maxUploadsPerMinute: v.MAX_UPLOADS_PER_MINUTE,
    /** Time a client has to send its request headers. */
    httpHeadersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
    /** Time a client has to send its whole request. */
    httpRequestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
    /** Largest awareness state (one client's cursor, name...) accepted, in UTF-8 bytes of JSON. */
    maxAwarenessStateBytes: v.MAX_AWARENESS_STATE_BYTES,
    /** Most awareness entries one message may carry. */
    maxAwarenessEntries: v.MAX_AWARENESS_ENTRIES,
    /** Awareness client ids one document connection may introduce; one more closes it with 4429. */
    maxAwarenessIdsPerConnection: v.MAX_AWARENESS_IDS_PER_CONNECTION,
    /** Awareness client ids a room holds at most; new ids past it are not shown (the connection stays, and can edit). */
    maxAwarenessIdsPerRoom: v.MAX_AWARENESS_IDS_PER_ROOM,
    /** Frames one document connection may send per second (bursts of twice that); over it: 4429. */
    maxMessagesPerSecond: v.MAX_MESSAGES_PER_SECOND,
    /** Bytes one document connection may send per second (bursts of one second's worth, or one largest frame); over it: 4429. */
    maxInboundBytesPerSecond: v.MAX_INBOUND_BYTES_PER_SECOND,
    /** Refused frames (read-only updates, someone else's cursor, over-size states...) one connection may send per minute; over it: 4429. */
    maxRejectedMessages: v.MAX_REJECTED_MESSAGES,
    /** Bytes of updates with missing dependencies a room holds back; an update going over is refused with 4002. */
    maxPendingUpdateBytes: v.MAX_PENDING_UPDATE_BYTES,
    /**
     * Most parts (structs, deleted ranges and clients named) one document update may carry; more is
     * refused with 4002. Yjs integrates an update in one synchronous step, so this bounds how long one
     * message holds the event loop (under 50 ms at the default, measured by the hostile suite). A live
     * editing session sends a few parts per update; only a client pushing thousands of offline edits at
     * once comes near it (the whole automerge-paper trace, a paper typed keystroke by keystroke, is 11k).
     */
    maxUpdateStructs: v.MAX_UPDATE_STRUCTS,
    /**
     * Main-thread milliseconds one connection's document updates may cost the server per minute; the
     * connection that overdraws is closed with 4429. Yjs resolves concurrent inserts at one spot by
     * scanning those already there, so a few crafted kilobytes can cost seconds.
     */
    maxApplyMsPerMinute: v.MAX_APPLY_MS_PER_MINUTE,
    /**
     * Longest one document update may hold the event loop while Yjs integrates it. Updates whose cost
     * cannot be bounded cheaply (many parts in a large document) are first timed against a mirror of
     * the document in a worker thread; one that takes longer is refused with 4002, and a measurement
     * running past five times this (at least 250 ms) is cut off by terminating the worker.
     */
    maxIntegrationMs: v.MAX_INTEGRATION_MS,
  }
}

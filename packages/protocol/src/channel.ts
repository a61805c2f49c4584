/**
 * Notification channels: names, subscription patterns and the JSON frames of a channel session.
 * The same frames travel as text on `/api/events` and inside {@link MessageType.Channel} binary frames
 * on a document socket, so one client implementation serves both.
 */
import { z } from 'zod'

/** Longest channel name, in characters. */
export const CHANNEL_NAME_MAX_LENGTH = 200

/** Channel names: 1-200 characters of letters, digits and `. _ : @ # -`. */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9._:@#-]{1,200}$/

/** Whether `name` is a valid channel name (a concrete channel, not a pattern). */
export function isValidChannelName(name: string): boolean {
  return CHANNEL_NAME_PATTERN.test(name)
}

/**
 * Why `pattern` cannot be subscribed to, or `null` if it can. A pattern is a channel name, or a
 * non-empty prefix followed by `*` (`room:*` matches every `room:<name>`).
 */
export function channelPatternProblem(pattern: string): string | null {
  const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern
  if (prefix.length === 0) return pattern === '*' ? 'a pattern needs a prefix before "*", e.g. "room:*"' : 'channel name is empty'
  if (prefix.length > CHANNEL_NAME_MAX_LENGTH) return `channel name is longer than ${CHANNEL_NAME_MAX_LENGTH} characters`
  if (!CHANNEL_NAME_PATTERN.test(prefix)) {
    return `channel "${prefix.slice(0, 40)}" may only contain letters, digits and . _ : @ # - (and a final * in subscriptions)`
  }
  return null
}

/**
 * Namespaces of private channels: `user:<id>` is readable by that user only, `room:<name>` by whoever
 * may read the room. Every other channel is readable by whoever its subscription pattern was allowed.
 * A wildcard subscription that reaches into one of these (`u*`, `room*`, `room:*`) delivers a private
 * channel's messages only after that channel itself was checked for the subscriber.
 */
export const PRIVATE_CHANNEL_PREFIXES = ['user:', 'room:'] as const

/** Whether channel `name` lies in a private namespace ({@link PRIVATE_CHANNEL_PREFIXES}). */
export function isPrivateChannel(name: string): boolean {
  return PRIVATE_CHANNEL_PREFIXES.some((prefix) => name.startsWith(prefix))
}

/** Whether channel `name` is matched by subscription `pattern`. */
export function channelMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name
}

/** A channel name as it appears in answers. */
const channelNameSchema = z.string().max(CHANNEL_NAME_MAX_LENGTH).meta({ pattern: CHANNEL_NAME_PATTERN.source, example: 'orders' })

/** One message on a channel, as stored and as delivered. */
export const channelMessageSchema = z
  .object({
    channel: channelNameSchema,
    id: z.number().int().nonnegative().meta({ description: 'Server-wide increasing; resume after it with `since`' }),
    data: z.unknown().meta({ description: 'Any JSON value, as published' }),
    ts: z.number().int().nonnegative().meta({ description: 'Publish time, ms since the epoch' }),
  })
  .meta({ id: 'ChannelMessage' })

/** See {@link channelMessageSchema}. `data` is any JSON value. */
export interface ChannelMessage {
  channel: string
  /** Server-wide increasing; resume after it with `since`. */
  id: number
  data: unknown
  /** Publish time, milliseconds since the epoch. */
  ts: number
}

/** Error codes in `{ type: "error" }` frames. */
export const ChannelErrorCode = {
  /** The frame is not JSON or not one of the client frames. */
  BadFrame: 'bad_frame',
  /** A channel name or pattern is invalid. */
  BadChannel: 'bad_channel',
  /** The connection would exceed its subscription limit. */
  TooManySubscriptions: 'too_many_subscriptions',
  /** The caller may not subscribe to a channel. */
  Forbidden: 'forbidden',
  /** The server failed to read history. */
  Internal: 'internal',
  /** The token expired; the server ends the stream after this frame. Reconnect with a fresh token. */
  TokenExpired: 'token_expired',
  /**
   * The subscriber fell behind (live messages outgrew a history replay, or its frames outgrew the
   * access checks) and the server dropped the subscriptions concerned: subscribe again with `since`
   * set to the last id received, as after a reconnect. `NotificationsClient` does so by itself.
   */
  FellBehind: 'fell_behind',
} as const

/** One of the {@link ChannelErrorCode} values. */
export type ChannelErrorCode = (typeof ChannelErrorCode)[keyof typeof ChannelErrorCode]

/** Most channels one subscribe or unsubscribe frame may name. */
export const MAX_CHANNELS_PER_FRAME = 256

const channelList = z
  .array(
    z.string({ error: 'channel names must be strings' }).superRefine((channel, context) => {
      const problem = channelPatternProblem(channel)
      if (problem) context.addIssue({ code: 'custom', message: problem })
    }),
    { error: `channels must be an array of 1-${MAX_CHANNELS_PER_FRAME} names` },
  )
  .min(1, `channels must be an array of 1-${MAX_CHANNELS_PER_FRAME} names`)
  .max(MAX_CHANNELS_PER_FRAME, `channels must be an array of 1-${MAX_CHANNELS_PER_FRAME} names`)
  .transform((channels) => [...new Set(channels)])

/** A frame a client sends: channel names or patterns (deduplicated); `since` resumes after that message id. */
export const clientChannelFrameSchema = z.discriminatedUnion(
  'type',
  [
    z.object({
      type: z.literal('subscribe'),
      channels: channelList,
      since: z
        .number({ error: 'since must be a non-negative integer message id' })
        .int('since must be a non-negative integer message id')
        .min(0, 'since must be a non-negative integer message id')
        .max(Number.MAX_SAFE_INTEGER, 'since must be a non-negative integer message id')
        .nullish()
        .transform((since) => since ?? undefined),
    }),
    z.object({ type: z.literal('unsubscribe'), channels: channelList }),
  ],
  { error: 'type must be "subscribe" or "unsubscribe"' },
)

/** See {@link clientChannelFrameSchema}. */
export type ClientChannelFrame = { type: 'subscribe'; channels: string[]; since?: number } | { type: 'unsubscribe'; channels: string[] }

/** A frame the server sends: a message, the outcome of a (un)subscribe, a gap in history, or an error. */
export const serverChannelFrameSchema = z.discriminatedUnion('type', [
  channelMessageSchema.extend({ type: z.literal('message') }),
  z.object({ type: z.literal('subscribed'), channels: z.array(z.string()) }),
  z.object({ type: z.literal('unsubscribed'), channels: z.array(z.string()) }),
  z.object({ type: z.literal('gap'), channel: z.string() }),
  z.object({ type: z.literal('error'), code: z.enum(Object.values(ChannelErrorCode)), message: z.string() }),
])

/** See {@link serverChannelFrameSchema}. */
export type ServerChannelFrame = z.infer<typeof serverChannelFrameSchema>

/** Thrown by {@link parseClientChannelFrame}; `code` goes into the error frame. */
export class ChannelFrameError extends Error {
  override name = 'ChannelFrameError'
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Parse and validate a client frame with {@link clientChannelFrameSchema}.
 * @throws {ChannelFrameError} saying what is wrong: `bad_channel` for a channel name, else `bad_frame`.
 * @example
 * parseClientChannelFrame('{"type":"subscribe","channels":["broadcast"],"since":41}')
 */
export function parseClientChannelFrame(json: string): ClientChannelFrame {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new ChannelFrameError(ChannelErrorCode.BadFrame, 'frame is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ChannelFrameError(ChannelErrorCode.BadFrame, 'frame must be a JSON object')
  }
  const parsed = clientChannelFrameSchema.safeParse(value)
  if (parsed.success) {
    const frame = parsed.data
    return frame.type === 'subscribe' && frame.since === undefined ? { type: 'subscribe', channels: frame.channels } : frame
  }
  const [issue] = parsed.error.issues
  const aboutOneChannel = issue!.path.length === 2 && issue!.path[0] === 'channels'
  throw new ChannelFrameError(aboutOneChannel ? ChannelErrorCode.BadChannel : ChannelErrorCode.BadFrame, issue!.message)
}

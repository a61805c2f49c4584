/**
 * What the server publishes on `room:<name>` about a room: who comes and goes (`join`, `leave`), that
 * the document changed (`activity`), that the people present changed (`presence`), and that an
 * administrator or a writer deleted it (`deleted`) or an administrator restored it (`restored`). Subscribe to `room:*` to follow every room one may read.
 */
import { z } from 'zod'

import { presentUserSchema } from './http-api.js'

/** Prefix of the room channels. */
export const ROOM_CHANNEL_PREFIX = 'room:'

/** The channel of `room`'s events. */
export const roomChannel = (room: string): string => `${ROOM_CHANNEL_PREFIX}${room}`

/** The `type` of a room event about its occupancy or content. */
export const ROOM_ACTIVITY_TYPES = ['join', 'leave', 'activity', 'presence'] as const

/** One of {@link ROOM_ACTIVITY_TYPES}. */
export type RoomActivityType = (typeof ROOM_ACTIVITY_TYPES)[number]

/** A room event, the `data` of a message on `room:<name>`. */
export const roomEventSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.enum(ROOM_ACTIVITY_TYPES),
      room: z.string(),
      connections: z.number().int().nonnegative(),
      users: z.array(presentUserSchema).meta({ description: 'At most 50' }),
      userCount: z.number().int().nonnegative().meta({ description: 'Everyone present, listed or not' }),
    }),
    z.object({
      type: z.literal('deleted'),
      room: z.string(),
      by: z.enum(['administrator', 'writer']).optional().meta({ description: 'Who deleted it; absent from servers before the trash' }),
    }),
    z.object({ type: z.literal('restored'), room: z.string() }).meta({ description: 'An administrator took it out of the trash' }),
  ])
  .meta({ id: 'RoomEvent' })

/** See {@link roomEventSchema}. */
export type RoomEvent = z.infer<typeof roomEventSchema>

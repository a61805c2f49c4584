/**
 * What the server publishes on `user:<id>`, the channel of one signed-in user (only a token whose
 * subject is `<id>` may subscribe to it): someone mentioned them in a comment, or replied in a thread
 * they wrote in.
 */
import { z } from 'zod'

import { isValidChannelName } from './channel.js'

/** Prefix of the per-user channels. */
export const USER_CHANNEL_PREFIX = 'user:'

/**
 * The channel of the user with token subject `id`.
 * @throws when no channel can carry that id (longer than the name allows, or characters outside it).
 */
export function userChannel(id: string): string {
  const channel = `${USER_CHANNEL_PREFIX}${id}`
  if (!isValidChannelName(channel)) throw new Error(`no channel can be named after user ${JSON.stringify(id.slice(0, 50))}`)
  return channel
}

const commenter = z.object({ id: z.string(), name: z.string(), color: z.string().nullable() })

/** A user notification, the `data` of a message on `user:<id>`. */
export const userNotificationSchema = z
  .object({
    type: z
      .enum(['mention', 'reply'])
      .meta({ description: '`mention`: a comment mentions you; `reply`: a reply in a thread you wrote in' }),
    room: z.string(),
    threadId: z.string(),
    commentId: z.string(),
    by: commenter,
    excerpt: z.string().meta({ description: 'The start of the comment, at most 160 characters' }),
  })
  .meta({ id: 'UserNotification' })

/** See {@link userNotificationSchema}. */
export type UserNotification = z.infer<typeof userNotificationSchema>

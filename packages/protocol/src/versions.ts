/** The shapes of the versions API (`/api/rooms/{room}/versions`). */
import { z } from 'zod'

import { EXPORT_FORMATS } from './http-api.js'

/** Longest name people may give a version. */
export const VERSION_NAME_MAX_LENGTH = 200

/** Someone who edited between a version and the one before it. */
export const versionAuthorSchema = z
  .object({
    id: z.string().nullable().meta({ description: 'Token subject in secure mode; `null` for anonymous editors' }),
    name: z.string(),
    color: z.string().nullable(),
  })
  .meta({ id: 'VersionAuthor' })

/** See {@link versionAuthorSchema}. */
export type VersionAuthor = z.infer<typeof versionAuthorSchema>

/** One version, without its content. */
export const versionSchema = z
  .object({
    id: z.number().int().positive(),
    createdAt: z.number().int().nonnegative(),
    name: z.string().nullable().meta({ description: 'Given by people, or a note of the server (before a restore)' }),
    auto: z.boolean().meta({ description: 'Recorded by the server: an editing burst ended, the room unloaded, or before a restore' }),
    authors: z.array(versionAuthorSchema).meta({ description: 'Who edited since the version before (at most 50)' }),
    bytes: z.number().int().nonnegative().meta({ description: 'Size of the stored state (the Yjs V2 update, deflated)' }),
  })
  .meta({ id: 'Version' })

/** See {@link versionSchema}. */
export type Version = z.infer<typeof versionSchema>

/** `GET /api/rooms/{room}/versions` query. */
export const versionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional().meta({ description: 'Continue below this id: the `next` of the page before' }),
})

/** `GET /api/rooms/{room}/versions`: newest first. */
export const versionListSchema = z
  .object({
    versions: z.array(versionSchema),
    next: z.number().int().positive().nullable().meta({ description: 'Pass as `before` for the next page; `null` on the last' }),
  })
  .meta({ id: 'VersionList' })

/** See {@link versionListSchema}. */
export type VersionList = z.infer<typeof versionListSchema>

/** `POST /api/rooms/{room}/versions`. */
export const createVersionBodySchema = z
  .strictObject({ name: z.string().trim().min(1).max(VERSION_NAME_MAX_LENGTH) })
  .meta({ id: 'CreateVersion' })

/** `POST /api/rooms/{room}/versions` answer, and `version` of the others. */
export const versionAnswerSchema = z.object({ version: versionSchema }).meta({ id: 'VersionAnswer' })

/** `GET /api/rooms/{room}/versions/{id}` query. */
export const versionContentQuerySchema = z.object({ format: z.enum(EXPORT_FORMATS).default('json') })

/** `POST /api/rooms/{room}/versions/{id}/restore` answer. */
export const restoredSchema = z
  .object({
    restored: versionSchema.meta({ description: 'The version the document now shows again' }),
    before: versionSchema.meta({ description: 'The state just before the restore, kept as a version' }),
  })
  .meta({ id: 'Restored' })

/** See {@link restoredSchema}. */
export type Restored = z.infer<typeof restoredSchema>

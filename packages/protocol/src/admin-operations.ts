/**
 * What the admin API answers about operating a server: the trash (deleted documents, kept for
 * `TRASH_RETENTION`), the audit log (what administrators and deleting writers did) and the quotas
 * (`MAX_DOCUMENT_BYTES`, `MAX_ROOMS`).
 */
import { z } from 'zod'

import { roomNameSchema } from './http-api.js'

const timestamp = z.number().int().nonnegative()
const count = z.number().int().nonnegative()

/** One document in the trash. */
export const trashedRoomSchema = z
  .object({
    name: roomNameSchema,
    bytes: count.meta({ description: 'Bytes it takes in storage (its versions and images apart)' }),
    createdAt: timestamp,
    updatedAt: timestamp.meta({ description: 'Last change before it was deleted' }),
    trashedAt: timestamp.meta({ description: 'When it was deleted' }),
    trashedBy: z.string().meta({ description: '`admin`, `user:<id>` or `anonymous`' }),
    purgeAt: timestamp
      .nullable()
      .meta({ description: 'When it is purged for good (`TRASH_RETENTION`); `null` if kept until purged by hand' }),
  })
  .meta({ id: 'TrashedRoom' })

/** See {@link trashedRoomSchema}. */
export type TrashedRoom = z.infer<typeof trashedRoomSchema>

/** `GET /api/admin/trash`. */
export const adminTrashSchema = z
  .object({
    rooms: z.array(trashedRoomSchema).meta({ description: 'Most recently deleted first' }),
    retentionMs: count.meta({ description: '`TRASH_RETENTION` in milliseconds; 0 keeps deleted documents until purged' }),
  })
  .meta({ id: 'AdminTrash' })

/** See {@link adminTrashSchema}. */
export type AdminTrash = z.infer<typeof adminTrashSchema>

/** One recorded action. */
export const auditEntrySchema = z
  .object({
    id: count,
    at: timestamp,
    actor: z.string().meta({ description: '`admin` (the admin token), `user:<id>`, `anonymous` or `system` (retention)' }),
    action: z.string().meta({
      description: 'e.g. `room.delete`, `trash.restore`, `trash.purge`, `trash.expire`, `broadcast`, `token.mint`, `room.export`, `backup`',
    }),
    target: z.string().nullable().meta({ description: 'The room, user or channel acted on' }),
    address: z.string().nullable().meta({ description: 'Client address of the request' }),
    detail: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Further facts (never a secret)' }),
  })
  .meta({ id: 'AuditEntry' })

/** See {@link auditEntrySchema}. */
export type AuditEntry = z.infer<typeof auditEntrySchema>

/** Query of `GET /api/admin/audit`. */
export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'must be the nextCursor of the previous page')
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page' }),
  action: z
    .string()
    .regex(/^[a-z]+(\.[a-z]+)*$/, 'must be an action such as room.delete, or its family such as room')
    .max(64)
    .optional()
    .meta({ description: 'Only this action, or a family of them (`trash` for `trash.restore`, `trash.purge`...)' }),
  q: z.string().max(128).optional().meta({ description: 'Only entries whose actor or target contains this, ignoring case' }),
})

/** `GET /api/admin/audit`. */
export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema).meta({ description: 'Newest first' }),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; `null` on the last' }),
    retentionMs: count.meta({ description: '`AUDIT_RETENTION` in milliseconds; 0 keeps entries forever' }),
  })
  .meta({ id: 'AuditPage' })

/** See {@link auditPageSchema}. */
export type AuditPage = z.infer<typeof auditPageSchema>

/** `GET /api/admin/quotas`. */
export const adminQuotasSchema = z
  .object({
    maxDocumentBytes: count.meta({ description: '`MAX_DOCUMENT_BYTES`: most bytes one document may take in storage' }),
    maxRooms: count.meta({ description: '`MAX_ROOMS`: most documents stored, the trash included' }),
    rooms: count.meta({ description: 'Documents stored now, the trash included' }),
    trashed: count.meta({ description: 'Of those, in the trash' }),
    largest: z
      .array(z.object({ name: roomNameSchema, bytes: count }))
      .meta({ description: 'The ten documents nearest their quota, largest first' }),
  })
  .meta({ id: 'AdminQuotas' })

/** See {@link adminQuotasSchema}. */
export type AdminQuotas = z.infer<typeof adminQuotasSchema>

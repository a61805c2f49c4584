/**
 * `GET /api/admin/stats`: the headline numbers of the admin console, read by the server from its
 * own metrics (the ones `/metrics` exports for Prometheus). Declared once here, for the server that
 * answers and the console that reads.
 */
import { z } from 'zod'

const count = z.number().finite().nonnegative()

/** The answer of `GET /api/admin/stats`. Counters count since the server started. */
export const adminStatsSchema = z
  .object({
    documentConnections: count,
    eventConnections: count,
    roomsLoaded: count,
    messagesIn: count,
    messagesOut: count,
    bytesIn: count,
    bytesOut: count,
    updatesPersisted: count,
    /** Mean time to write one batch of updates, in milliseconds; `null` before the first write. */
    meanPersistMs: count.nullable(),
    notificationsPublished: count,
    notificationsDelivered: count,
    /** Connections refused or cut off, over every reason. */
    refusedConnections: count,
    /** The same, by reason, most frequent first; reasons that never happened are left out. */
    refusedByReason: z.array(z.object({ reason: z.string(), count })),
  })
  .meta({ id: 'AdminStats' })

/** See {@link adminStatsSchema}. */
export type AdminStats = z.infer<typeof adminStatsSchema>

/**
 * `GET /api/admin/stats/history`: the admin console's charts, the server's headline numbers sampled
 * at a fixed interval over the last hour. Declared once here, for the server that samples and the
 * console that draws.
 */
import { z } from 'zod'

/** Samples the server keeps: an hour at the default interval of 10 s. */
export const STATS_HISTORY_LENGTH = 360

const rate = z.number().finite().nonnegative()

/** One sample: what the server did over the interval that ended at `at`. */
export const statsSampleSchema = z
  .object({
    /** When the interval ended, in milliseconds since the epoch. */
    at: z.number().int().nonnegative(),
    /** Open document and notification connections at `at`. */
    connections: z.number().int().nonnegative(),
    /** Document updates written to storage per second over the interval. */
    editsPerSecond: rate,
    /** Channel messages published per second over the interval. */
    notificationsPerSecond: rate,
    /** 99th percentile of the time to write one batch of updates, in milliseconds; `null` when nothing was written. */
    persistP99Ms: rate.nullable(),
    /** Connections refused or cut off during the interval. */
    refused: z.number().int().nonnegative(),
  })
  .meta({ id: 'StatsSample' })

/** See {@link statsSampleSchema}. */
export type StatsSample = z.infer<typeof statsSampleSchema>

/** The answer of `GET /api/admin/stats/history`: samples oldest first, the last one covering the time up to the request. */
export const adminStatsHistorySchema = z
  .object({
    /** How often the server samples, in milliseconds. */
    intervalMs: z.number().int().positive(),
    samples: z.array(statsSampleSchema),
  })
  .meta({ id: 'AdminStatsHistory' })

/** See {@link adminStatsHistorySchema}. */
export type AdminStatsHistory = z.infer<typeof adminStatsHistorySchema>

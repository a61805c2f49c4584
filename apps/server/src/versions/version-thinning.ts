/**
 * Which automatic versions to let go of as they age, so a document edited for years keeps a history
 * of bounded size. Named versions are never thinned. The policy:
 *
 * - the last {@link KEEP_ALL_MS} (a day): every automatic version;
 * - up to {@link HOURLY_UNTIL_MS} (30 days): the newest of each clock hour (UTC);
 * - older: the newest of each day (UTC).
 */

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** Automatic versions younger than this are all kept. */
export const KEEP_ALL_MS = DAY_MS
/** Automatic versions younger than this (and older than {@link KEEP_ALL_MS}) keep one per hour. */
export const HOURLY_UNTIL_MS = 30 * DAY_MS

/** An automatic version as thinning sees it. */
export interface AgedVersion {
  id: number
  createdAt: number
}

/** Ids of the versions among `versions` (automatic ones, any order) that the policy drops at time `now`. */
export function versionsToThin(versions: readonly AgedVersion[], now: number): number[] {
  // Newest first: the first version seen in a bucket is the one it keeps.
  const sorted = [...versions].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
  const kept = new Set<string>()
  const dropped: number[] = []
  for (const version of sorted) {
    const age = now - version.createdAt
    if (age <= KEEP_ALL_MS) continue
    const bucket = age <= HOURLY_UNTIL_MS ? `h${Math.floor(version.createdAt / HOUR_MS)}` : `d${Math.floor(version.createdAt / DAY_MS)}`
    if (kept.has(bucket)) dropped.push(version.id)
    else kept.add(bucket)
  }
  return dropped
}

/** Summary statistics of latency samples. */

/** Count, mean and nearest-rank percentiles of a set of samples. */
export interface Distribution {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

/**
 * Summarize `samples` with nearest-rank percentiles: no interpolation, so every figure reported is a
 * latency that was actually observed. An empty set summarizes to NaNs rather than zeros, which would
 * read as "instant".
 */
export function summarize(samples: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(samples).sort()
  const count = sorted.length
  const rank = (p: number): number => sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))] ?? Number.NaN
  let sum = 0
  for (const value of sorted) sum += value
  return { count, mean: count > 0 ? sum / count : Number.NaN, p50: rank(50), p90: rank(90), p99: rank(99), max: rank(100) }
}

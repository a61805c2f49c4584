/**
 * The admin console's charts: the server's metrics sampled every `intervalMs` (10 s) into a ring of
 * the last `STATS_HISTORY_LENGTH` (360) samples, an hour at the default, so the console draws the
 * last hour without Prometheus. Counters become rates from the difference between two readings; the persist latency
 * p99 is read from the difference of the persist histogram's buckets, interpolated inside the
 * bucket as Prometheus' `histogram_quantile` does (so it is as fine as the buckets, no finer).
 */
import { type AdminStatsHistory, STATS_HISTORY_LENGTH, type StatsSample } from '@tandem/protocol'

import type { Logger } from '../logger.js'
import type { ServerMetrics } from './server-metrics.js'

/** What the history reads: the server's metrics. */
export type StatsSource = Pick<ServerMetrics, 'headline' | 'persistSeconds'>

/** How a {@link StatsHistory} samples. */
export interface StatsHistoryOptions {
  /** Time between two samples; 10 s by default. */
  intervalMs?: number
  /** Samples kept, the oldest dropped first; `STATS_HISTORY_LENGTH` (an hour of 10 s samples) by default. */
  capacity?: number
  /** Where a failed reading is reported (once until one succeeds again). */
  logger?: Pick<Logger, 'warn'>
}

/** One cumulative upper-bound bucket of the persist histogram: writes that took at most `le` seconds. */
interface Bucket {
  le: number
  count: number
}

/** The metrics at one moment: a gauge and counters since the server started. */
interface Reading {
  at: number
  connections: number
  updatesPersisted: number
  notificationsPublished: number
  refused: number
  /** Ascending `le`, `+Inf` last. */
  persistBuckets: Bucket[]
}

const DEFAULT_INTERVAL_MS = 10_000
/**
 * Rates over less time than this (or than the interval, if shorter) are taken over this much, so a
 * window of a few milliseconds does not read one edit as a spike.
 */
const MIN_RATE_WINDOW_MS = 1_000

/**
 * A bounded history of the server's headline numbers. `start()` takes a first reading and samples
 * every `intervalMs` on an unref'd timer; `stop()` ends it. {@link StatsHistory.history} adds a sample
 * for the time since the last one, so the newest point is current and a fresh server is not empty.
 * @example
 * const history = new StatsHistory(metrics, { logger })
 * history.start()
 * const { intervalMs, samples } = await history.history()
 * history.stop()
 */
export class StatsHistory {
  readonly intervalMs: number
  readonly #minWindowMs: number
  readonly #source: StatsSource
  readonly #logger: Pick<Logger, 'warn'> | undefined
  /** Fixed-size ring: `#ring[(#first + i) % capacity]` is the i-th oldest of `#count` samples. */
  readonly #ring: Array<StatsSample | undefined>
  #first = 0
  #count = 0
  /** The last two readings (the previous one first), for the next sample and for the current one. */
  #readings: Reading[] = []
  #timer: ReturnType<typeof setInterval> | null = null
  #sampling = false
  #failing = false
  #stopped = false

  constructor(source: StatsSource, options: StatsHistoryOptions = {}) {
    this.#source = source
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
    this.#minWindowMs = Math.min(MIN_RATE_WINDOW_MS, this.intervalMs)
    this.#ring = new Array<StatsSample | undefined>(options.capacity ?? STATS_HISTORY_LENGTH).fill(undefined)
    this.#logger = options.logger
  }

  /** Take the first reading now and a sample every `intervalMs` until {@link stop}. */
  start(): void {
    if (this.#timer || this.#stopped) return
    void this.#sample()
    this.#timer = setInterval(() => void this.#sample(), this.intervalMs)
    this.#timer.unref()
  }

  /** Stop sampling for good (server close). What was sampled stays readable. */
  stop(): void {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  /** The samples kept, oldest first, and one more covering the time since the last up to now. */
  async history(): Promise<AdminStatsHistory> {
    const current = await this.#read()
    const samples = this.#stored()
    const since = this.#windowStart(current.at)
    const newest = samples.at(-1)?.at ?? -Infinity
    if (since && current.at > newest) samples.push(sampleBetween(since, current, this.#minWindowMs))
    return { intervalMs: this.intervalMs, samples }
  }

  /**
   * Where the current sample's window starts: the newest reading at least half an interval old, so
   * the last point is an average over half an interval to one and a half, not over the few
   * milliseconds since the last sample (which would dip to zero just after every sample).
   */
  #windowStart(now: number): Reading | undefined {
    const older = this.#readings.filter((reading) => reading.at < now)
    return older.findLast((reading) => now - reading.at >= this.intervalMs / 2) ?? older[0]
  }

  #stored(): StatsSample[] {
    const samples: StatsSample[] = []
    for (let i = 0; i < this.#count; i++) samples.push(this.#ring[(this.#first + i) % this.#ring.length]!)
    return samples
  }

  #push(sample: StatsSample): void {
    const capacity = this.#ring.length
    if (this.#count < capacity) {
      this.#ring[(this.#first + this.#count) % capacity] = sample
      this.#count++
    } else {
      this.#ring[this.#first] = sample
      this.#first = (this.#first + 1) % capacity
    }
  }

  async #sample(): Promise<void> {
    // A reading slower than the interval (a starved event loop) is not queued behind: the next tick takes it.
    if (this.#sampling) return
    this.#sampling = true
    try {
      const reading = await this.#read()
      if (this.#stopped) return
      const previous = this.#readings.at(-1)
      if (previous) this.#push(sampleBetween(previous, reading, this.#minWindowMs))
      this.#readings = [...this.#readings.slice(-1), reading]
      this.#failing = false
    } catch (error) {
      if (!this.#failing) this.#logger?.warn({ err: error }, 'sampling the metrics for the admin charts failed; retrying every interval')
      this.#failing = true
    } finally {
      this.#sampling = false
    }
  }

  async #read(): Promise<Reading> {
    const at = Date.now()
    const [headline, persist] = await Promise.all([this.#source.headline(), this.#source.persistSeconds.get()])
    const persistBuckets = persist.values
      .filter((value) => value.metricName?.endsWith('_bucket'))
      .map((value) => ({ le: value.labels.le === '+Inf' ? Infinity : Number(value.labels.le), count: value.value }))
      .sort((a, b) => a.le - b.le)
    return {
      at,
      connections: headline.documentConnections + headline.eventConnections,
      updatesPersisted: headline.updatesPersisted,
      notificationsPublished: headline.notificationsPublished,
      refused: headline.refusedConnections,
      persistBuckets,
    }
  }
}

/** What happened between two readings, as one sample ending at the later one. */
function sampleBetween(before: Reading, after: Reading, minWindowMs: number): StatsSample {
  const seconds = Math.max(after.at - before.at, minWindowMs) / 1000
  const perSecond = (from: number, to: number): number => round(Math.max(0, to - from) / seconds)
  const p99 = quantileSeconds(0.99, before.persistBuckets, after.persistBuckets)
  return {
    at: after.at,
    connections: after.connections,
    editsPerSecond: perSecond(before.updatesPersisted, after.updatesPersisted),
    notificationsPerSecond: perSecond(before.notificationsPublished, after.notificationsPublished),
    persistP99Ms: p99 === null ? null : round(p99 * 1000),
    refused: Math.max(0, after.refused - before.refused),
  }
}

/**
 * The `q` quantile of the observations made between two readings of a cumulative histogram, in its
 * unit, or `null` without observations. Linear inside the bucket it falls in; in the `+Inf` bucket,
 * the highest finite bound (a lower bound of the truth), as Prometheus' `histogram_quantile`.
 */
export function quantileSeconds(q: number, before: readonly Bucket[], after: readonly Bucket[]): number | null {
  const countOf = (buckets: readonly Bucket[], le: number): number => buckets.find((bucket) => bucket.le === le)?.count ?? 0
  const total = (after.at(-1)?.count ?? 0) - (before.at(-1)?.count ?? 0)
  if (total <= 0) return null
  const rank = q * total
  let lower = 0
  let below = 0
  for (const { le, count } of after) {
    const upTo = count - countOf(before, le)
    if (upTo >= rank) {
      if (le === Infinity) return lower
      return lower + (le - lower) * ((rank - below) / (upTo - below))
    }
    lower = le
    below = upTo
  }
  return lower
}

const round = (value: number): number => Math.round(value * 100) / 100

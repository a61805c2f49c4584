/**
 * What one benchmark found: labelled figures (some marked as headline for the summary table), notes
 * on method, and errors. Any error fails the run, so a wrong result can never pass as a fast one.
 */
import type { CpuSpent } from './cpu-meter.js'
import type { Distribution } from './distribution.js'
import { formatCount, formatMs } from './format-units.js'

/** One labelled figure, already formatted. */
export interface Metric {
  label: string
  value: string
  /** Shown in the summary table as well as in the detailed report. */
  headline: boolean
}

/** Results of one benchmark run, filled in as it goes. */
export class Report {
  readonly metrics: Metric[] = []
  readonly notes: string[] = []
  readonly errors: string[] = []
  /** Why the benchmark did not run (e.g. its dataset is missing); `null` when it ran. */
  skipped: string | null = null

  /** Record a figure; `headline` puts it in the summary table too. */
  metric(label: string, value: string, headline = false): void {
    this.metrics.push({ label, value, headline })
  }

  /** Record a latency distribution as one `p50 / p90 / p99 / max` line. */
  latency(label: string, distribution: Distribution, headline = false): void {
    const { count, p50, p90, p99, max } = distribution
    this.metric(
      `${label} (n=${formatCount(count)})`,
      `p50 ${formatMs(p50)} · p90 ${formatMs(p90)} · p99 ${formatMs(p99)} · max ${formatMs(max)}`,
      headline,
    )
  }

  /** Record CPU spent per unit of work (`per` names the unit), for the server and for the clients. */
  cpu(per: string, spent: CpuSpent, units: number, headline = false): void {
    const server = spent.serverMs === null ? 'n/a' : formatMs(spent.serverMs / units)
    this.metric(`CPU per ${per}: server · clients`, `${server} · ${formatMs(spent.clientMs / units)}`, headline)
  }

  /** Record how something was measured or a caveat the reader needs. */
  note(text: string): void {
    // Servers restarted within one benchmark log the same startup warnings; once is enough.
    if (!this.notes.includes(text)) this.notes.push(text)
  }

  /** Record a wrong result (missing delivery, divergent document, unclean exit); fails the run. */
  error(text: string): void {
    this.errors.push(text)
  }

  /** Mark the benchmark as not run, with the reason. */
  skip(reason: string): void {
    this.skipped = reason
  }

  get status(): 'ok' | 'failed' | 'skipped' {
    if (this.errors.length > 0) return 'failed'
    return this.skipped === null ? 'ok' : 'skipped'
  }
}

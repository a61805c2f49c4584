/**
 * A reader for the Prometheus text exposition format (version 0.0.4), enough for `/metrics`:
 * samples with labels and values; `# HELP`/`# TYPE` lines and timestamps are skipped.
 * See https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format.
 */

/** One sample line: `name{label="value",…} 12.5`. */
export interface MetricSample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y

/** The value of a sample: a float, or `NaN`, `+Inf`, `-Inf` as the format spells them. */
function sampleValue(text: string): number | null {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  const value = Number(text)
  return text !== '' && !Number.isNaN(value) ? value : null
}

/** Label values escape `\`, `"` and newlines with a backslash. */
function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char))
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex
    const match = LABEL.exec(text)
    if (!match) return text.slice(start).trim() === '' ? labels : null
    labels[match[1]!] = unescapeLabel(match[2]!)
  }
  return labels
}

/** Every sample in `text`; malformed lines are skipped rather than failing the whole scrape. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = []
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) continue
    const labels = match[2] === undefined ? {} : parseLabels(match[2])
    const value = sampleValue(match[3]!)
    if (labels === null || value === null) continue
    samples.push({ name: match[1]!, labels, value })
  }
  return samples
}

/**
 * The sum of the samples named `name` whose labels include `labels` (all of a metric's series
 * when `labels` is empty), or `null` when there is no such sample.
 */
export function metricValue(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null
  for (const sample of samples) {
    if (sample.name !== name) continue
    if (!Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue
    total = (total ?? 0) + sample.value
  }
  return total
}

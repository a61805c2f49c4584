/**
 * The "Last hour" card under the headline figures: five small sparklines of the server's sampled
 * history (connections, edits/s, notifications/s, persist p99, refused connections), each with its
 * current value as text and an image description a screen reader reads instead of the line. Polled
 * on its own, more slowly than the rest of the console: the server samples every ten seconds.
 */
import { type AdminStatsHistory, STATS_HISTORY_LENGTH, type StatsSample } from '@tandem/protocol'

import { h } from '../shell/element.js'
import { formatCount, formatExactCount } from '../shell/quantity-format.js'
import { AdminUnauthorizedError } from './admin-api.js'
import { niceCeiling, sparklinePaths } from './sparkline-path.js'
import { startVisiblePoller } from './visible-poller.js'

const REFRESH_MS = 3_000
const SVG = 'http://www.w3.org/2000/svg'
/** The drawing box; the SVG stretches it to the card's width (strokes keep their width). */
const WIDTH = 300
const HEIGHT = 56

/** The card and how to stop it. */
export interface StatsCharts {
  element: HTMLElement
  /** Stop polling (on sign-out). */
  destroy(): void
}

/** One chart: what it reads from a sample, and how its numbers read. */
interface ChartSpec {
  key: string
  title: string
  /** What the chart shows, at more length (the title's tooltip). */
  explanation: string
  read(sample: StatsSample): number | null
  /** A value as the chart's current figure and in its description. */
  format(value: number): string
  /** The least top of the scale, so a quiet chart does not magnify noise into waves. */
  floor: number
  /** What the description says when the window has no values; `no samples yet` by default. */
  empty?: string
  /** The line under the chart, over the values in the window (missing ones left out). */
  detail(values: number[], window: string): string
  /** Whether a value is a warning (refusals): the line turns amber if one in the window is, the figure if the current one is. */
  warns?: (value: number) => boolean
}

const oneDecimalUnderTen = (value: number): string =>
  value < 10 ? new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value) : formatCount(value)

const perSecond = (value: number): string => `${oneDecimalUnderTen(value)}/s`
const peak = (values: number[], format: (value: number) => string): string =>
  values.length > 0 ? `peak ${format(Math.max(...values))}` : 'no samples yet'
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0)

const CHARTS: ChartSpec[] = [
  {
    key: 'connections',
    title: 'Connections',
    explanation: 'Document and notification connections open at each sample',
    read: (sample) => sample.connections,
    format: formatExactCount,
    floor: 5,
    detail: (values) => peak(values, formatExactCount),
  },
  {
    key: 'edits',
    title: 'Edits per second',
    explanation: 'Document updates written to storage per second',
    read: (sample) => sample.editsPerSecond,
    format: perSecond,
    floor: 1,
    detail: (values) => peak(values, perSecond),
  },
  {
    key: 'notifications',
    title: 'Notifications per second',
    explanation: 'Channel messages published per second',
    read: (sample) => sample.notificationsPerSecond,
    format: perSecond,
    floor: 1,
    detail: (values) => peak(values, perSecond),
  },
  {
    key: 'persist',
    title: 'Write latency p99',
    explanation: '99th percentile of the time to write one batch of document updates to storage',
    read: (sample) => sample.persistP99Ms,
    format: (value) => `${oneDecimalUnderTen(value)} ms`,
    floor: 5,
    empty: 'no writes',
    detail: (values, window) =>
      values.length > 0 ? `peak ${oneDecimalUnderTen(Math.max(...values))} ms` : `no writes in the last ${window}`,
  },
  {
    key: 'refused',
    title: 'Refused connections',
    explanation: 'Connections refused or cut off in each sample: bad tokens, limits, slow readers',
    read: (sample) => sample.refused,
    format: formatExactCount,
    floor: 5,
    detail: (values, window) => `${formatExactCount(sum(values))} in the last ${window}`,
    warns: (value) => value > 0,
  },
]

/** How long `ms` is, in words: `hour`, `6 minutes`, `2 hours`. */
function spanInWords(ms: number): string {
  const plural = (count: number, unit: string): string => (count === 1 ? unit : `${formatExactCount(count)} ${unit}s`)
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour')
  if (ms >= 60_000) return plural(Math.round(ms / 60_000), 'minute')
  return plural(Math.round(ms / 1000), 'second')
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  return element
}

/** One chart's elements, redrawn in place. */
interface Chart {
  spec: ChartSpec
  root: HTMLElement
  value: HTMLElement
  image: SVGSVGElement
  area: SVGPathElement
  line: SVGPathElement
  detail: HTMLElement
}

function createChart(spec: ChartSpec): Chart {
  const titleId = `stats-chart-${spec.key}`
  const value = h('p', { class: 'stats-chart-value', 'data-testid': 'chart-value' }, '–')
  const area = svg('path', { class: 'sparkline-area' })
  const line = svg('path', { class: 'sparkline-line' })
  const image = svg('svg', {
    class: 'sparkline',
    role: 'img',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: 'none',
    'aria-label': `${spec.title}: no samples yet`,
  })
  image.append(svg('line', { class: 'sparkline-base', x1: '0', y1: String(HEIGHT), x2: String(WIDTH), y2: String(HEIGHT) }), area, line)
  const detail = h('p', { class: 'stats-chart-detail' }, '\u00a0')
  const root = h(
    'figure',
    { class: 'stats-chart', 'data-chart': spec.key, 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'stats-chart-head' },
      h('h3', { id: titleId, class: 'stats-chart-title', title: spec.explanation }, spec.title),
      value,
    ),
    image,
    detail,
  )
  return { spec, root, value, image, area, line, detail }
}

function drawChart(chart: Chart, history: AdminStatsHistory): void {
  const { spec } = chart
  const windowMs = history.intervalMs * STATS_HISTORY_LENGTH
  const window = spanInWords(windowMs)
  const points = history.samples.map((sample) => ({ at: sample.at, value: spec.read(sample) }))
  const values = points.flatMap((point) => (point.value === null ? [] : [point.value]))
  const newest = points.at(-1)
  const to = newest?.at ?? 0
  const max = niceCeiling(Math.max(0, ...values), spec.floor)
  const { line, area } = sparklinePaths(points, { from: to - windowMs, to, max, width: WIDTH, height: HEIGHT })
  chart.line.setAttribute('d', line)
  chart.area.setAttribute('d', area)

  const current = newest?.value ?? null
  chart.value.textContent = current === null ? '–' : spec.format(current)
  chart.detail.textContent = spec.detail(values, window)
  const warns = spec.warns ?? (() => false)
  chart.root.classList.toggle('is-warning', values.some(warns))
  chart.value.classList.toggle('is-warning', current !== null && warns(current))
  chart.image.setAttribute(
    'aria-label',
    values.length === 0
      ? `${spec.title} over the last ${window}: ${spec.empty ?? 'no samples yet'}`
      : `${spec.title} over the last ${window}: now ${current === null ? 'none' : spec.format(current)}, ` +
          `highest ${spec.format(Math.max(...values))}, lowest ${spec.format(Math.min(...values))}`,
  )
}

/**
 * The card, polling `load` (the admin API's history, through the console's 401 handling) every few
 * seconds while the tab is visible. A failed poll keeps the last charts and says so.
 */
export function createStatsCharts(load: () => Promise<AdminStatsHistory>): StatsCharts {
  const charts = CHARTS.map(createChart)
  const heading = h('h2', { id: 'stats-charts-heading', class: 'card-title' }, 'Last hour')
  const note = h('p', { class: 'stats-charts-note', role: 'status' })
  const element = h(
    'section',
    { class: 'admin-card stats-charts', 'aria-labelledby': 'stats-charts-heading' },
    h('div', { class: 'card-head' }, heading, note),
    h('div', { class: 'stats-chart-grid' }, ...charts.map((chart) => chart.root)),
  )
  let destroyed = false

  const refresh = async (): Promise<void> => {
    try {
      const history = await load()
      if (destroyed) return
      heading.textContent = `Last ${spanInWords(history.intervalMs * STATS_HISTORY_LENGTH)}`
      note.textContent = `sampled every ${spanInWords(history.intervalMs)}`
      note.classList.remove('is-error')
      for (const chart of charts) drawChart(chart, history)
    } catch (error) {
      // The console signs out on a 401; anything else leaves the last charts up, marked stale.
      if (destroyed || error instanceof AdminUnauthorizedError) return
      note.textContent = `Charts not updating: ${(error as Error).message}`
      note.classList.add('is-error')
    }
  }
  const poller = startVisiblePoller(refresh, REFRESH_MS)

  return {
    element,
    destroy() {
      destroyed = true
      poller.stop()
    },
  }
}

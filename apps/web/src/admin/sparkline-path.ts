/**
 * The geometry of a sparkline: values over time scaled into a box and written as SVG path data, for
 * the line and for the area under it. Pure, so it is tested without a browser.
 */

/** A value at a time (ms); `null` where there is none, which breaks the line. */
export interface SparkPoint {
  at: number
  value: number | null
}

/** The box drawn into: times `from`…`to` run left to right, values 0…`max` bottom to top. */
export interface SparkFrame {
  from: number
  to: number
  max: number
  width: number
  height: number
}

/** The path data of a sparkline; empty strings when there is nothing to draw. */
export interface SparkPaths {
  line: string
  area: string
}

const oneDecimal = (value: number): number => Math.round(value * 10) / 10
const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value))

/**
 * Scale `points` (oldest first) into `frame`. Every run of points between `null`s is its own
 * subpath; a run of one point is drawn as a dot (`h0`, visible with round line caps). Values past
 * `max` or below zero stay on the edge of the box.
 * @example
 * const { line } = sparklinePaths([{ at: 0, value: 1 }, { at: 10, value: 3 }], { from: 0, to: 10, max: 4, width: 100, height: 40 })
 * // line === 'M0,30L100,10'
 */
export function sparklinePaths(points: readonly SparkPoint[], frame: SparkFrame): SparkPaths {
  const span = frame.to - frame.from
  const x = (at: number): number => oneDecimal(span > 0 ? clamp((at - frame.from) / span, 0, 1) * frame.width : frame.width)
  const y = (value: number): number => oneDecimal(frame.max > 0 ? (1 - clamp(value / frame.max, 0, 1)) * frame.height : frame.height)
  const runs: Array<Array<[number, number]>> = []
  let run: Array<[number, number]> | null = null
  for (const point of points) {
    if (point.value === null || !Number.isFinite(point.value)) {
      run = null
      continue
    }
    if (!run) runs.push((run = []))
    run.push([x(point.at), y(point.value)])
  }
  const line = runs.map((coords) => `M${coords.map(([px, py]) => `${px},${py}`).join('L')}${coords.length === 1 ? 'h0' : ''}`).join('')
  const area = runs
    .filter((coords) => coords.length > 1)
    .map(
      (coords) =>
        `M${coords[0]![0]},${frame.height}L${coords.map(([px, py]) => `${px},${py}`).join('L')}L${coords.at(-1)![0]},${frame.height}Z`,
    )
    .join('')
  return { line, area }
}

/** The top of a chart's scale: the smallest 1, 2 or 5 × 10ⁿ at or above `value`, and at least `floor`. */
export function niceCeiling(value: number, floor: number): number {
  if (!(value > floor)) return floor
  const magnitude = 10 ** Math.floor(Math.log10(value))
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= value * (1 - 1e-9))!
  return step * magnitude
}

/**
 * A horizontal bar chart of ratios as a standalone SVG: one row per figure, one bar per series,
 * a line at 1 (even with the best peer) and one at the target. Plain SVG text, so the README can show
 * it and a diff can review it.
 */

/** One figure's ratios, by series name (NaN: not measured; drawn as "–"). */
export interface RatioRow {
  label: string
  ratios: Record<string, number>
}

export interface RatioChartOptions {
  title: string
  subtitle: string
  /** Series names, in drawing order, each with its colour. */
  series: { name: string; color: string }[]
  /** A dashed line at this ratio (the goal), labelled. */
  target?: { ratio: number; label: string }
}

const LABEL_WIDTH = 300
const PLOT_WIDTH = 420
const BAR_HEIGHT = 12
const ROW_GAP = 10
const TOP = 64
const RIGHT = 70

const escapeXml = (text: string): string => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)

/** The SVG document for `rows`. */
export function ratioChartSvg(rows: readonly RatioRow[], options: RatioChartOptions): string {
  const finite = rows.flatMap((row) => Object.values(row.ratios)).filter((ratio) => Number.isFinite(ratio))
  const max = Math.max(1.5, options.target?.ratio ?? 0, ...finite) * 1.05
  const x = (ratio: number): number => LABEL_WIDTH + (Math.min(ratio, max) / max) * PLOT_WIDTH
  const rowHeight = options.series.length * BAR_HEIGHT + ROW_GAP
  const height = TOP + rows.length * rowHeight + 40
  const width = LABEL_WIDTH + PLOT_WIDTH + RIGHT
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`,
    `<text x="12" y="40" fill="#555">${escapeXml(options.subtitle)}</text>`,
  ]
  options.series.forEach((series, index) => {
    const left = LABEL_WIDTH + index * 200
    parts.push(`<rect x="${left}" y="48" width="10" height="10" fill="${series.color}"/>`)
    parts.push(`<text x="${left + 14}" y="57">${escapeXml(series.name)}</text>`)
  })
  const bottom = TOP + rows.length * rowHeight
  // Labels of the two lines sit on either side of them, so that lines close together stay readable.
  const line = (ratio: number, label: string, dashed: boolean): void => {
    parts.push(
      `<line x1="${x(ratio)}" y1="${TOP - 4}" x2="${x(ratio)}" y2="${bottom}" stroke="#333" ${dashed ? 'stroke-dasharray="4 3"' : ''}/>`,
    )
    const anchor = dashed ? `x="${x(ratio) - 4}" text-anchor="end"` : `x="${x(ratio) + 4}" text-anchor="start"`
    parts.push(`<text ${anchor} y="${bottom + 14}" fill="#333">${escapeXml(label)}</text>`)
  }
  line(1, '1 = best peer', false)
  if (options.target) line(options.target.ratio, options.target.label, true)
  rows.forEach((row, rowIndex) => {
    const top = TOP + rowIndex * rowHeight
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${top + rowHeight / 2}" text-anchor="end">${escapeXml(row.label)}</text>`)
    options.series.forEach((series, index) => {
      const ratio = row.ratios[series.name] ?? Number.NaN
      const y = top + index * BAR_HEIGHT
      if (!Number.isFinite(ratio)) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + BAR_HEIGHT - 2}" fill="#888">–</text>`)
        return
      }
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${x(ratio) - LABEL_WIDTH}" height="${BAR_HEIGHT - 2}" fill="${series.color}"/>`)
      parts.push(`<text x="${x(ratio) + 4}" y="${y + BAR_HEIGHT - 2}" font-size="10">${ratio.toFixed(2)}</text>`)
    })
  })
  parts.push(
    `<text x="12" y="${height - 8}" fill="#555">Ratio = Tandem / best peer on that figure; left of 1 is better (for "content complete", right is).</text>`,
  )
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

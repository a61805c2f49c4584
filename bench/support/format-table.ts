/** Plain-text tables for the terminal: padded columns, a rule under the header, no colours. */

/** Render `rows` (first row is the header) with each column padded to its widest cell, each line indented. */
export function formatTable(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)))
  const line = (row: readonly string[]): string =>
    indent +
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  const [header, ...body] = rows
  if (!header) return ''
  return [line(header), indent + widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)].join('\n')
}

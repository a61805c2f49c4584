/**
 * The suite's measurements (fuzz counts, worst stall, memory growth). Each test records its figures
 * here; they are printed as they are taken and once more, all together, when the run ends
 * (`global-setup.ts`), so a CI log shows them in one table.
 */
import { appendFileSync } from 'node:fs'

import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON-lines file the figures of every test file are appended to. */
    hostileFiguresFile: string
  }
}

/** One attack's figures, e.g. `{ messages: 100000, 'worst stall': '12 ms' }`. */
export interface Figures {
  attack: string
  figures: Record<string, string | number>
}

/** Record and print the figures of `attack`. */
export function recordFigures(attack: string, figures: Record<string, string | number>): void {
  const line: Figures = { attack, figures }
  console.log(
    `[hostile] ${attack}: ${Object.entries(figures)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}`,
  )
  appendFileSync(inject('hostileFiguresFile'), `${JSON.stringify(line)}\n`)
}

/** `1.5 MiB` from a byte count (negative for shrinkage). */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** `12 ms` */
export function milliseconds(ms: number): string {
  return `${Math.round(ms)} ms`
}

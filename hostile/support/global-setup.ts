/**
 * Vitest global setup: gives every test file one figures file and prints all figures as one summary
 * when the run ends.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { TestProject } from 'vitest/node'

import type { Figures } from './figures.js'
import { SCALE, SEED } from './scale.js'

/** Create the figures file; the returned teardown prints and removes it. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-hostile-figures-'))
  const file = join(dir, 'figures.jsonl')
  project.provide('hostileFiguresFile', file)
  return () => {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
    rmSync(dir, { recursive: true, force: true })
    if (lines.length === 0) return
    const rows = lines.map((line) => JSON.parse(line) as Figures)
    const width = Math.max(...rows.map((row) => row.attack.length))
    const table = rows.map(
      ({ attack, figures }) =>
        `  ${attack.padEnd(width)}  ${Object.entries(figures)
          .map(([name, value]) => `${name}: ${value}`)
          .join(' · ')}`,
    )
    console.log(`\nHostile-input suite summary (scale ${SCALE}, seed ${SEED}):\n${table.join('\n')}\n`)
  }
}

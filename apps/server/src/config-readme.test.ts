import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { durationMs, environmentDefaults } from './config.js'

/** The README's configuration table: variable → default cell. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1))
  const rows = new Map<string, string>()
  for (const match of section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)) rows.set(match[1]!, match[2]!.trim())
  return rows
}

describe('the README configuration table', () => {
  const defaults = environmentDefaults()
  const table = readmeTable()

  it('lists every variable the server reads, and no other', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(defaults).sort())
  })

  it('gives each variable the default the schema has', () => {
    for (const [name, value] of Object.entries(defaults)) {
      const cell = table.get(name)
      if (cell === undefined) continue // reported by the test above
      const written = /^`([^`]*)`$/.exec(cell)?.[1]
      if (value === undefined) {
        // Unset by default: the README says what that means in words ("unset", "same origin"...).
        expect(written, `${name}: the README gives a value, the schema none`).toBeUndefined()
        continue
      }
      const expected = typeof value === 'object' ? JSON.stringify(value) : String(value)
      if (name === 'WEB_DIR') expect(expected.endsWith(written ?? '?'), `${name}: ${cell}`).toBe(true)
      // Durations are written as people write them (`30d`).
      else if (name.endsWith('_RETENTION') && typeof value === 'number') expect(durationMs(written ?? ''), name).toBe(value)
      else expect(written, name).toBe(expected)
    }
  })
})

/**
 * `npm run migrate-store -- --from ./data --to postgres://tandem@db/tandem` copies every document
 * (compacted), version, image, channel message and audit entry from one store to another, with their
 * ids, then verifies the copy (see `storage/migrate-store.ts`). Either side may be a `DATA_DIR`, a
 * SQLite file or a PostgreSQL URL; stop the servers on both first. Progress goes to stderr; the exit
 * code is 0 when the verification found both stores alike, 1 when it did not (the differences are
 * listed) or the copy failed, 2 for wrong arguments. Like `main.ts`, an entry point: it reads the
 * environment through `loadConfig` (`DATABASE_SCHEMA` is the default `--schema`).
 */
import { parseArgs } from 'node:util'

import { ConfigError, loadConfig } from '../config.js'
import { describeLocation, migrateStore, storeLocation } from '../storage/migrate-store.js'

const USAGE = `usage: npm run migrate-store -- --from <DATA_DIR, SQLite file or postgres:// URL> --to <the same> [--schema NAME]
--schema  the PostgreSQL schema on that side (default: DATABASE_SCHEMA, else public)
Stop every Tandem server on both stores first. Running it again is safe: what is the same is skipped,
a document the destination holds with another state is replaced by the source's.`

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

function usageError(message: string): never {
  process.stderr.write(`tandem migrate-store: ${message}\n${USAGE}\n`)
  process.exit(2)
}

async function main(): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      options: { from: { type: 'string' }, to: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean' } },
    }))
  } catch (error) {
    usageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (!values.from || !values.to) usageError('--from and --to are both required')
  let schema: string
  try {
    schema = values.schema ?? loadConfig(process.env).databaseSchema
  } catch (error) {
    usageError(error instanceof ConfigError ? error.message : String(error))
  }
  if (!SCHEMA_NAME.test(schema)) usageError(`--schema must be a lowercase identifier (letters, digits, _), got ${schema}`)
  const from = storeLocation(values.from, schema)
  const to = storeLocation(values.to, schema)
  if (from.kind === 'sqlite' && to.kind === 'sqlite' && values.schema) usageError('--schema is for a PostgreSQL side')
  const say = (line: string): boolean => process.stderr.write(`${line}\n`)
  say(`copying ${describeLocation(from)} to ${describeLocation(to)}`)
  let report
  try {
    report = await migrateStore({ from, to, onProgress: say })
  } catch (error) {
    say(`tandem migrate-store: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
  const rows = Object.entries(report.rows)
    .map(([table, count]) => `${table} ${count}`)
    .join(', ')
  say(
    `${report.documents} documents (${report.written} written, ${report.documents - report.written} already there` +
      `${report.replaced.length > 0 ? `, ${report.replaced.length} replaced: ${report.replaced.slice(0, 20).join(', ')}` : ''}); ${rows}`,
  )
  say(`copied in ${(report.copyMs / 1000).toFixed(1)} s, verified in ${(report.verifyMs / 1000).toFixed(1)} s`)
  if (report.differences.length > 0) {
    say(`the stores differ after the copy:\n  ${report.differences.join('\n  ')}`)
    process.exit(1)
  }
  say('verified: every document loads to the same state from both stores, and every copied table holds the same rows')
}

await main()

/**
 * `npm run backup -- --out FILE` writes a consistent copy of Tandem's SQLite database to FILE, from a
 * data directory (`--data-dir`, by default `DATA_DIR`) or from a running server (`--server URL
 * --token ADMIN_TOKEN`, through `GET /api/admin/backup`). Either is safe while the server runs and
 * clients edit. The copy is written beside FILE, checked (a SQLite database with Tandem's schema that
 * passes `quick_check`), synced, and only then renamed into place, so FILE is never half a backup.
 * Like `main.ts`, an entry point: it reads the environment through `loadConfig`.
 */
import { randomUUID } from 'node:crypto'
import { closeSync, createWriteStream, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { parseArgs } from 'node:util'

import BetterSqlite3 from 'better-sqlite3'

import { ConfigError, loadConfig } from '../config.js'
import { vacuumInto } from '../storage/sqlite-backup.js'
import { databaseFileIn } from '../storage/sqlite-database.js'

const USAGE = `usage: npm run backup -- --out FILE [--force] [--data-dir DIR]
       npm run backup -- --out FILE [--force] --server URL [--token ADMIN_TOKEN]
--data-dir  the server's DATA_DIR (default: DATA_DIR, else ./data); safe while a server runs on it
--server    a running server's address, e.g. http://localhost:8787; --token defaults to ADMIN_TOKEN
--force     replace FILE if it exists`

/** Wrong arguments: exit code 2, with the usage. */
function usageError(message: string): never {
  process.stderr.write(`tandem backup: ${message}\n${USAGE}\n`)
  process.exit(2)
}

/** The backup could not be made: exit code 1. */
function failure(message: string): never {
  process.stderr.write(`tandem backup: ${message}\n`)
  process.exit(1)
}

/** Where the copy comes from. */
type Source = { kind: 'data-dir'; dataDir: string } | { kind: 'server'; url: URL; token: string }

function parse(): { out: string; force: boolean; source: Source } {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        force: { type: 'boolean' },
        'data-dir': { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean' },
      },
    }))
  } catch (error) {
    usageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  if (!values.out) usageError('--out FILE is required')
  if (values.server !== undefined && values['data-dir'] !== undefined) usageError('give --data-dir or --server, not both')
  if (values.token !== undefined && values.server === undefined) usageError('--token goes with --server')
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    usageError(error instanceof ConfigError ? error.message : String(error))
  }
  const out = resolve(values.out)
  const force = values.force ?? false
  if (values.server === undefined)
    return { out, force, source: { kind: 'data-dir', dataDir: resolve(values['data-dir'] ?? config.dataDir) } }
  let url: URL
  try {
    url = new URL(values.server)
  } catch {
    usageError(`--server must be a URL like http://localhost:8787, got ${values.server}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usageError(`--server must be an http:// or https:// URL, got ${values.server}`)
  const token = values.token ?? config.adminToken
  if (!token) usageError('--server needs the admin token: --token, or ADMIN_TOKEN in the environment')
  return { out, force, source: { kind: 'server', url, token } }
}

/** Download the server's backup into `target`. */
async function download(url: URL, token: string, target: string): Promise<void> {
  const address = new URL('api/admin/backup', url.href.endsWith('/') ? url : `${url.href}/`)
  let response
  try {
    response = await fetch(address, { headers: { Authorization: `Bearer ${token}` } })
  } catch (error) {
    failure(
      `cannot reach ${address.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)}`,
    )
  }
  if (response.status !== 200 || !response.body) {
    const text = await response.text()
    let message = text.slice(0, 500)
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message
    } catch {
      // Not Tandem's error shape (a proxy's page): quoted as it came.
    }
    failure(`${address.href} answered ${response.status}: ${message}`)
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), createWriteStream(target, { flags: 'wx' }))
  const expected = Number(response.headers.get('content-length'))
  const { size } = statSync(target)
  if (expected > 0 && size !== expected) throw new Error(`the download stopped after ${size} of ${expected} bytes`)
}

/** Throws unless `file` is a whole SQLite database holding Tandem's tables. */
function check(file: string): void {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
  try {
    const result = db.pragma('quick_check', { simple: true })
    if (result !== 'ok') throw new Error(`the copy fails SQLite's quick_check: ${String(result)}`)
    if (!db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'documents'`).get()) {
      throw new Error('the copy is a SQLite database without Tandem tables')
    }
  } finally {
    db.close()
  }
}

/** Make `file` and its name in the directory survive a power cut. */
function syncToDisk(file: string): void {
  for (const path of [file, dirname(file)]) {
    const fd = openSync(path, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

async function main(): Promise<void> {
  const { out, force, source } = parse()
  if (existsSync(out) && !force) failure(`${out} exists; pass --force to replace it`)
  if (!existsSync(dirname(out))) failure(`directory ${dirname(out)} does not exist`)
  const partial = join(dirname(out), `.${basename(out)}.partial-${randomUUID()}`)
  const started = performance.now()
  try {
    if (source.kind === 'data-dir') {
      const database = databaseFileIn(source.dataDir)
      if (!existsSync(database)) failure(`no Tandem database in ${source.dataDir} (${database} does not exist)`)
      vacuumInto(database, partial)
    } else {
      await download(source.url, source.token, partial)
    }
    check(partial)
    syncToDisk(partial)
    renameSync(partial, out)
  } catch (error) {
    rmSync(partial, { force: true })
    failure(error instanceof Error ? error.message : String(error))
  }
  const from = source.kind === 'data-dir' ? databaseFileIn(source.dataDir) : source.url.origin
  const { size } = statSync(out)
  process.stderr.write(`tandem backup: ${out} (${size} bytes) from ${from} in ${Math.round(performance.now() - started)} ms\n`)
}

await main()

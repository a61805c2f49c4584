import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { eventually } from '../test-support/eventually.js'
import { runCli } from '../test-support/run-cli.js'
import { spawnServer } from '../test-support/spawn-server.js'
import { connectClient } from '../test-support/stock-client.js'

const ADMIN_TOKEN = 'backup-cli-admin-token'
const dir = mkdtempSync(join(tmpdir(), 'tandem-backup-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The document `room` as a backup file holds it (opened read-only, as it was written). */
async function documentIn(file: string, room: string): Promise<Y.Doc> {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true })
  const store = new SqliteDocumentStore(db)
  try {
    const stored = await store.load(room)
    const doc = new Y.Doc()
    if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
    for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
    return doc
  } finally {
    db.close()
  }
}

/** Whether `doc` holds everything `witness` held (every client's clock at least as far). */
function holdsAll(doc: Y.Doc, witness: Map<number, number>): boolean {
  const held = Y.decodeStateVector(Y.encodeStateVector(doc))
  return [...witness].every(([client, clock]) => (held.get(client) ?? 0) >= clock)
}

describe('npm run backup', () => {
  it('copies a running server from its data directory and through its API, refusing to overwrite without --force', async () => {
    const dataDir = join(dir, 'data')
    const server = await spawnServer({ DATA_DIR: dataDir, ADMIN_TOKEN })
    const editor = await connectClient(server, 'cli-room')
    const witness = await connectClient(server, 'cli-room')
    let editing = true
    const loop = (async () => {
      for (let i = 0; editing; i++) {
        editor.text.insert(editor.text.length, `<${i}>`)
        await sleep(10)
      }
    })()
    try {
      await eventually(() => expect(witness.text.length).toBeGreaterThan(100))
      const env = { DATA_DIR: '', ADMIN_TOKEN: '' }

      const fromDir = join(dir, 'from-dir.sqlite')
      let acknowledged = Y.decodeStateVector(Y.encodeStateVector(witness.doc))
      const viaDir = await runCli('backup', ['--out', fromDir, '--data-dir', dataDir], env)
      expect(viaDir.stderr).toContain(`tandem backup: ${fromDir}`)
      expect(viaDir.code).toBe(0)
      expect(holdsAll(await documentIn(fromDir, 'cli-room'), acknowledged)).toBe(true)

      const fromServer = join(dir, 'from-server.sqlite')
      acknowledged = Y.decodeStateVector(Y.encodeStateVector(witness.doc))
      const viaServer = await runCli('backup', ['--out', fromServer, '--server', server.url, '--token', ADMIN_TOKEN], env)
      expect(viaServer.code).toBe(0)
      expect(holdsAll(await documentIn(fromServer, 'cli-room'), acknowledged)).toBe(true)

      // An existing file is kept unless --force.
      const before = readFileSync(fromDir)
      const refused = await runCli('backup', ['--out', fromDir, '--data-dir', dataDir], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('exists; pass --force to replace it')
      expect(readFileSync(fromDir).equals(before)).toBe(true)
      acknowledged = Y.decodeStateVector(Y.encodeStateVector(witness.doc))
      const forced = await runCli('backup', ['--out', fromDir, '--server', server.url, '--force'], { ...env, ADMIN_TOKEN })
      expect(forced.code).toBe(0)
      expect(holdsAll(await documentIn(fromDir, 'cli-room'), acknowledged)).toBe(true)
      // Nothing half-written is left beside the output, nor beside the database.
      expect(readdirSync(dir).filter((name) => name.includes('.partial-'))).toEqual([])
      await eventually(() => expect(readdirSync(dataDir).filter((name) => name.includes('.backup-'))).toEqual([]))

      const wrongToken = await runCli('backup', ['--out', join(dir, 'nope.sqlite'), '--server', server.url, '--token', 'x'.repeat(20)], env)
      expect(wrongToken.code).toBe(1)
      expect(wrongToken.stderr).toMatch(/answered 401/)
    } finally {
      editing = false
      await loop
    }
  }, 60_000)

  it('says what is wrong with its arguments (exit code 2) or its source (exit code 1)', async () => {
    const env = { DATA_DIR: '', ADMIN_TOKEN: '' }
    const out = join(dir, 'never.sqlite')
    const cases: Array<[string[], number, RegExp]> = [
      [[], 2, /--out FILE is required/],
      [['--out', out, '--frobnicate'], 2, /Unknown option '--frobnicate'/],
      [['--out', out, '--data-dir', dir, '--server', 'http://127.0.0.1:1'], 2, /not both/],
      [['--out', out, '--server', 'http://127.0.0.1:1'], 2, /needs the admin token/],
      [['--out', out, '--token', ADMIN_TOKEN], 2, /--token goes with --server/],
      [['--out', out, '--server', 'ftp://example.com', '--token', ADMIN_TOKEN], 2, /http:\/\/ or https:\/\//],
      [['--out', out, '--data-dir', join(dir, 'missing')], 1, /no Tandem database in/],
      [['--out', join(dir, 'missing', 'x.sqlite'), '--data-dir', dir], 1, /does not exist/],
      [['--out', out, '--server', 'http://127.0.0.1:1', '--token', ADMIN_TOKEN], 1, /cannot reach/],
    ]
    for (const [args, code, message] of cases) {
      const run = await runCli('backup', args, env)
      expect(run.stderr, args.join(' ')).toMatch(message)
      expect(run.code, args.join(' ')).toBe(code)
    }
    // Not a Tandem database: checked before it becomes the output.
    writeFileSync(join(dir, 'tandem.db'), '')
    const empty = await runCli('backup', ['--out', out, '--data-dir', dir], env)
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/without Tandem tables/)
    expect(readdirSync(dir)).not.toContain('never.sqlite')
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { PostgresDocumentStore } from '../storage/postgres-document-store.js'
import { databaseFileIn } from '../storage/sqlite-database.js'
import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { runCli } from '../test-support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-migrate-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm run migrate-store', () => {
  it('says what is wrong with its arguments (exit code 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--from and --to are both required/],
      [['--from', dir], /--from and --to are both required/],
      [['--from', dir, '--to', 'postgres://x@127.0.0.1:1/x', '--schema', 'Bad-Name'], /--schema must be a lowercase identifier/],
      [['--from', dir, '--to', join(dir, 'other'), '--whatever'], /Unknown option '--whatever'/],
    ]
    for (const [args, message] of cases) {
      const run = await runCli('migrate-store', args)
      expect(run.stderr, args.join(' ')).toMatch(message)
      expect(run.code, args.join(' ')).toBe(2)
    }
    const missing = await runCli('migrate-store', ['--from', join(dir, 'nothing-here'), '--to', join(dir, 'other')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no Tandem database at .*nothing-here/)
  })

  describe.skipIf(!databaseUrl)('with PostgreSQL', () => {
    const database = PostgresTestDatabase.create()

    it('copies a data directory into a schema with progress on stderr, and exits 1 listing the differences it finds', async () => {
      const dataDir = join(dir, 'data')
      const store = new SqliteDocumentStore({ filename: databaseFileIn(dataDir) })
      const doc = new Y.Doc()
      doc.getText('t').insert(0, 'moved by the command')
      await store.appendUpdates([{ name: 'cli-doc', updates: [Y.encodeStateAsUpdate(doc)] }])
      await store.close()
      const pool = await database.pool('cli')

      const copied = await runCli('migrate-store', ['--from', dataDir, '--to', database.url, '--schema', 'cli'])
      expect(copied.stderr).toContain(`copying ${databaseFileIn(dataDir)} to postgres://`)
      expect(copied.stderr).toContain('documents 1/1')
      expect(copied.stderr).toContain('verified: every document loads to the same state from both stores')
      expect(copied.code).toBe(0)
      const postgres = new PostgresDocumentStore(pool)
      expect((await postgres.load('cli-doc'))?.snapshot).toEqual(Y.encodeStateAsUpdate(doc))

      await postgres.appendUpdates([{ name: 'stray', updates: [Y.encodeStateAsUpdate(doc)] }])
      const differs = await runCli('migrate-store', ['--from', dataDir, '--to', database.url], { DATABASE_SCHEMA: 'cli' })
      expect(differs.stderr).toContain('1 documents (0 written, 1 already there)')
      expect(differs.stderr).toContain('the stores differ after the copy:\n  document stray: only at the destination')
      expect(differs.code).toBe(1)
    })
  })
})

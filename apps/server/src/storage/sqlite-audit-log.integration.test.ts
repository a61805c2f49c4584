import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll } from 'vitest'

import { describeAuditLog } from './audit-log.contract.js'
import { SqliteAuditLog } from './sqlite-audit-log.js'
import { openSqliteDatabase } from './sqlite-database.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-audit-'))
let counter = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeAuditLog('sqlite', async () => {
  const db = openSqliteDatabase({ filename: join(dir, `store-${++counter}`, 'tandem.db') })
  return { log: new SqliteAuditLog(db), close: async () => void db.close() }
})

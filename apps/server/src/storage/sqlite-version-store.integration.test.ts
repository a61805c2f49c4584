import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll } from 'vitest'

import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { SqliteVersionStore } from './sqlite-version-store.js'
import { describeVersionStore } from './version-store.contract.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-versions-'))
let counter = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeVersionStore('sqlite', async () => {
  const db = openSqliteDatabase({ filename: join(dir, `store-${++counter}`, 'tandem.db') })
  const documents = new SqliteDocumentStore(db)
  return {
    documents,
    versions: new SqliteVersionStore(db),
    close: async () => {
      await documents.close()
      db.close()
    },
  }
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll } from 'vitest'

import { describeSearchIndex } from './search-index.contract.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { SqliteSearchIndex } from './sqlite-search-index.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-search-'))
let counter = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeSearchIndex('sqlite', async () => {
  const db = openSqliteDatabase({ filename: join(dir, `store-${++counter}`, 'tandem.db') })
  const documents = new SqliteDocumentStore(db)
  return {
    documents,
    index: new SqliteSearchIndex(db),
    close: async () => {
      await documents.close()
      db.close()
    },
  }
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll } from 'vitest'

import { describeImageStore } from './image-store.contract.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { SqliteDocumentStore } from './sqlite-document-store.js'
import { SqliteImageStore } from './sqlite-image-store.js'

const dir = mkdtempSync(join(tmpdir(), 'tandem-images-'))
let counter = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeImageStore('sqlite', async () => {
  const db = openSqliteDatabase({ filename: join(dir, `store-${++counter}`, 'tandem.db') })
  const documents = new SqliteDocumentStore(db)
  return {
    documents,
    images: new SqliteImageStore(db),
    close: async () => {
      await documents.close()
      db.close()
    },
  }
})

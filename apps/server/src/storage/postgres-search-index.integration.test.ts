import { describe } from 'vitest'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { PostgresSearchIndex } from './postgres-search-index.js'
import { describeSearchIndex } from './search-index.contract.js'

describe.skipIf(!databaseUrl)('PostgresSearchIndex (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeSearchIndex('postgres', async () => {
    const pool = await database.pool()
    return { documents: new PostgresDocumentStore(pool), index: new PostgresSearchIndex(pool), close: async () => {} }
  })
})

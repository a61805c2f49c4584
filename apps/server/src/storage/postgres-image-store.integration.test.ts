import { describe } from 'vitest'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { describeImageStore } from './image-store.contract.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { PostgresImageStore } from './postgres-image-store.js'

describe.skipIf(!databaseUrl)('PostgresImageStore (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeImageStore('postgres', async () => {
    const pool = await database.pool()
    return { documents: new PostgresDocumentStore(pool), images: new PostgresImageStore(pool), close: async () => {} }
  })
})

import { describe } from 'vitest'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { PostgresDocumentStore } from './postgres-document-store.js'
import { PostgresVersionStore } from './postgres-version-store.js'
import { describeVersionStore } from './version-store.contract.js'

describe.skipIf(!databaseUrl)('PostgresVersionStore (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeVersionStore('postgres', async () => {
    const pool = await database.pool()
    return { documents: new PostgresDocumentStore(pool), versions: new PostgresVersionStore(pool), close: async () => {} }
  })
})

import { describe } from 'vitest'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { describeAuditLog } from './audit-log.contract.js'
import { PostgresAuditLog } from './postgres-audit-log.js'

describe.skipIf(!databaseUrl)('PostgresAuditLog (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeAuditLog('postgres', async () => ({ log: new PostgresAuditLog(await database.pool()), close: async () => {} }))
})

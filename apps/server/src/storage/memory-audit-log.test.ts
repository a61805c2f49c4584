import { describeAuditLog } from './audit-log.contract.js'
import { MemoryAuditLog } from './memory-audit-log.js'

describeAuditLog('memory', async () => ({ log: new MemoryAuditLog(), close: async () => {} }))

/**
 * Real servers for tests: started on port 0 with a quiet logger, torn down when the calling test
 * finishes. Call these inside a test body.
 */
import { onTestFinished } from 'vitest'

import { type Config, loadConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { startServer, type TandemServer } from '../server.js'
import type { AuditLog } from '../storage/audit-log.js'
import type { DocumentStore } from '../storage/document-store.js'
import type { ImageStore } from '../storage/image-store.js'
import { MemoryAuditLog } from '../storage/memory-audit-log.js'
import { MemoryDocumentStore } from '../storage/memory-document-store.js'
import { MemoryImageStore } from '../storage/memory-image-store.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import { MemorySearchIndex } from '../storage/memory-search-index.js'
import { MemoryVersionStore } from '../storage/memory-version-store.js'
import type { MessageStore } from '../storage/message-store.js'
import type { SearchIndex } from '../storage/search-index.js'
import { SqliteAuditLog } from '../storage/sqlite-audit-log.js'
import { SqliteDocumentStore } from '../storage/sqlite-document-store.js'
import { SqliteImageStore } from '../storage/sqlite-image-store.js'
import { SqliteSearchIndex } from '../storage/sqlite-search-index.js'
import { SqliteVersionStore } from '../storage/sqlite-version-store.js'
import type { VersionStore } from '../storage/version-store.js'

/** A running server plus the store it writes to. */
export interface TestServer extends TandemServer {
  store: DocumentStore
  messages: MessageStore
  audit: AuditLog
  /** `ws://host:port/collab`, the stock client's `serverUrl`. */
  collabUrl: string
}

/** Start a server on a free port; it and its store close when the test finishes. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  store: DocumentStore = new MemoryDocumentStore(),
  options: {
    closeStore?: boolean
    messages?: MessageStore
    versions?: VersionStore
    search?: SearchIndex
    images?: ImageStore
    audit?: AuditLog
  } = {},
): Promise<TestServer> {
  const config: Config = { ...loadConfig({}), host: '127.0.0.1', port: 0, ...overrides }
  const messages = options.messages ?? new MemoryMessageStore()
  // Only when one of them is not given: a store of another kind comes with all four.
  const beside = options.versions && options.search && options.images && options.audit ? null : besideStore(store)
  const versions = options.versions ?? beside!.versions
  const search = options.search ?? beside!.search
  const images = options.images ?? beside!.images
  const audit = options.audit ?? beside!.audit
  const server = await startServer(config, {
    store,
    messages,
    versions,
    search,
    images,
    audit,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  })
  onTestFinished(async () => {
    await server.close()
    if (options.closeStore !== false) {
      await store.close()
      await messages.close()
    }
  })
  return { ...server, store, messages, audit, collabUrl: `${server.url.replace(/^http/, 'ws')}/collab` }
}

/** The stores that go with `store`: in its SQLite database, or in memory beside it. */
function besideStore(store: DocumentStore): { versions: VersionStore; search: SearchIndex; images: ImageStore; audit: AuditLog } {
  if (store instanceof SqliteDocumentStore) {
    const db = store.database
    return {
      versions: new SqliteVersionStore(db),
      search: new SqliteSearchIndex(db),
      images: new SqliteImageStore(db),
      audit: new SqliteAuditLog(db),
    }
  }
  if (store instanceof MemoryDocumentStore) {
    return {
      versions: new MemoryVersionStore(store),
      search: new MemorySearchIndex(store),
      images: new MemoryImageStore(store),
      audit: new MemoryAuditLog(),
    }
  }
  throw new Error('pass the version store, search index, image store and audit log that go with this document store')
}

export { connectClient } from './stock-client.js'

/**
 * The `npm start` entry point and the only file that touches the process: reads the environment,
 * opens the database, listens, says so (log lines, and `READY_FILE` when set), and shuts down
 * cleanly on SIGTERM/SIGINT (flush, then exit 0).
 */
import { resolveAdminToken } from './admin/admin-token.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { writeReadyFile } from './ready-file.js'
import { warmUpYjs } from './rooms/yjs-warm-up.js'
import { type ServerDeps, startServer } from './server.js'
import type { AuditLog } from './storage/audit-log.js'
import type { DocumentStore } from './storage/document-store.js'
import type { ImageStore } from './storage/image-store.js'
import { LogSync } from './storage/log-sync.js'
import type { MessageStore } from './storage/message-store.js'
import type { SearchIndex } from './storage/search-index.js'
import { SqliteAuditLog } from './storage/sqlite-audit-log.js'
import { SqliteBackup } from './storage/sqlite-backup.js'
import { type Database, databaseFileIn, openSqliteDatabase } from './storage/sqlite-database.js'
import { SqliteDocumentStore } from './storage/sqlite-document-store.js'
import { SqliteImageStore } from './storage/sqlite-image-store.js'
import { SqliteMessageStore } from './storage/sqlite-message-store.js'
import { SqliteSearchIndex } from './storage/sqlite-search-index.js'
import { SqliteVersionStore } from './storage/sqlite-version-store.js'
import type { VersionStore } from './storage/version-store.js'
import { WalFlusher } from './storage/wal-flusher.js'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`tandem: ${error.message}\n`)
    process.exit(1)
  }
  const logger = createLogger(config.logLevel, config.logFormat)
  let admin
  try {
    admin = resolveAdminToken(config.adminToken, config.dataDir)
  } catch (error) {
    logger.fatal({ err: error }, 'cannot read the admin token')
    process.exit(1)
  }
  config = { ...config, adminToken: admin.token }
  // Set once `stop` exists: storage that can no longer keep its promises stops the server through it.
  let stopOnLostStorage = (_reason: string): void => process.exit(1)
  const storage = config.databaseUrl
    ? await openPostgres(
        config.databaseUrl,
        config.databaseSchema,
        { cluster: config.clusterName !== null, durability: config.durability },
        logger,
      )
    : openSqlite(config, logger, () => stopOnLostStorage('the disk failed to sync the database log'))

  // Updates too costly to bound are timed in a warm worker thread; the main thread that then integrates
  // them must be as warm, or its first large update costs several times what was measured.
  warmUpYjs()
  let server
  try {
    server = await startServer(config, {
      store: storage.store,
      messages: storage.messages,
      versions: storage.versions,
      search: storage.search,
      images: storage.images,
      audit: storage.audit,
      logger,
      ...storage.serverDeps,
    })
  } catch (error) {
    logger.fatal({ err: error, host: config.host, port: config.port }, 'cannot start listening')
    await storage.close()
    process.exit(1)
  }
  // The first lines a newcomer reads: where to go, who may get in, where the data is, how to administer.
  logger.info({ url: server.url, port: server.port, ...storage.where }, `Tandem is ready on ${server.url}`)
  if (config.authSecret) logger.info({ mode: 'secure' }, 'secure mode: documents and channels need an access token (AUTH_SECRET is set)')
  else
    logger.warn({ mode: 'open' }, 'open mode: anyone who can reach this server may edit every document; set AUTH_SECRET to require sign-in')
  logger.info(storage.where, storage.description)
  if (admin.generated) {
    // Printed once, at first start; afterwards the token stays in the file only.
    logger.warn(
      { adminUrl: `${server.url}/admin#token=${admin.token}`, file: admin.file },
      `admin console (this link signs you in; it is printed once): ${server.url}/admin#token=${admin.token}`,
    )
  } else {
    const where = admin.file ? `the token is in ${admin.file}` : 'sign in with ADMIN_TOKEN'
    logger.info({ adminUrl: `${server.url}/admin`, file: admin.file }, `admin console: ${server.url}/admin (${where})`)
  }

  let stopping = false
  const stop = (exitCode: number, why: Record<string, string>): void => {
    if (stopping) return
    stopping = true
    logger.info(why, 'shutting down')
    server
      .close()
      .then(() => storage.close())
      .then(() => process.exit(exitCode))
      .catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed')
        process.exit(1)
      })
  }
  stopOnLostStorage = (reason) => stop(1, { reason })
  let draining = false
  process.on('SIGTERM', () => {
    // A second SIGTERM while draining stops at once.
    if (config.drainDelayMs === 0 || draining) {
      stop(0, { signal: 'SIGTERM' })
      return
    }
    // Balancers that poll /api/ready stop sending new clients; those connected keep working meanwhile.
    draining = true
    server.drain()
    logger.info({ drainDelayMs: config.drainDelayMs }, 'draining: /api/ready answers 503 until the shutdown')
    setTimeout(() => stop(0, { signal: 'SIGTERM' }), config.drainDelayMs).unref()
  })
  process.on('SIGINT', () => stop(0, { signal: 'SIGINT' }))

  // Last, with the signal handlers in place: whoever waits for the file may send SIGTERM at once.
  if (config.readyFile) {
    try {
      writeReadyFile(config.readyFile, { url: server.url, port: server.port, pid: process.pid, host: config.host })
    } catch (error) {
      // A supervisor waiting for the file would wait forever for a server that in fact serves.
      logger.fatal({ err: error, readyFile: config.readyFile }, `cannot write READY_FILE ${config.readyFile}; stopping`)
      stop(1, { reason: 'READY_FILE could not be written' })
    }
  }
}

/** The stores the server runs on, what to tell about them, and how to close them after the server. */
interface Storage {
  store: DocumentStore
  messages: MessageStore
  versions: VersionStore
  search: SearchIndex
  images: ImageStore
  audit: AuditLog
  serverDeps: Pick<ServerDeps, 'flusher' | 'logSync' | 'storageReachable' | 'shared' | 'backup'>
  /** The start-up line saying where documents are kept and how safely. */
  description: string
  where: Record<string, string>
  close(): Promise<void>
}

/** The SQLite file under `DATA_DIR`, with its flush worker (and, power-safe, its log sync); exits on failure. */
function openSqlite(config: Config, logger: Logger, onDurabilityLost: () => void): Storage {
  const databaseFile = databaseFileIn(config.dataDir)
  let db: Database
  try {
    // Neither mode fsyncs on the event loop: commits only write the log (see WalFlusher and LogSync).
    db = openSqliteDatabase({ filename: databaseFile, synchronous: 'normal' })
  } catch (error) {
    logger.fatal({ err: error, databaseFile }, 'cannot open the database')
    process.exit(1)
  }
  // Both modes: while anything is written, a worker thread fsyncs the log and copies it into the
  // database every interval. If the disk fails an fsync, what was saved may not be on it: stop rather
  // than go on as if it were.
  let flusher: WalFlusher
  let logSync: LogSync | null
  try {
    flusher = new WalFlusher({ db, filename: databaseFile, intervalMs: config.flushIntervalMs, logger, onDurabilityLost })
    // Power-safe mode: besides, nothing counts as stored (is relayed, answered) before an fsync of the
    // log that covers it, run on libuv's thread pool and shared by the commits that wait together.
    logSync =
      config.durability === 'power-safe'
        ? new LogSync({
            filename: databaseFile,
            onDurabilityLost: (error) => {
              logger.fatal({ err: error }, 'the disk failed to sync the database log: what was saved may not be on it')
              onDurabilityLost()
            },
          })
        : null
  } catch (error) {
    logger.fatal({ err: error, databaseFile }, 'cannot flush the database log')
    db.close()
    process.exit(1)
  }
  const sync = logSync
  // Copies an earlier run was making or sending when it stopped are of no use to anyone now.
  const backup = new SqliteBackup(databaseFile)
  const leftovers = backup.removeLeftovers()
  if (leftovers.length > 0) logger.info({ removed: leftovers }, 'removed unfinished backup copies beside the database')
  const storeOptions = sync ? { durable: () => sync.sync() } : {}
  // Closed before the database: it writes the log totals it has not written yet.
  const store = new SqliteDocumentStore(db, storeOptions)
  const durability =
    config.durability === 'crash-safe'
      ? `crash-safe: every update is written before it is relayed, and made durable against power loss within ${config.flushIntervalMs} ms`
      : "power-safe: every update is fsync'd before it is relayed (the fsync runs off the event loop, shared by the updates that wait for it)"
  return {
    store,
    messages: new SqliteMessageStore(db, storeOptions),
    versions: new SqliteVersionStore(db, storeOptions),
    search: new SqliteSearchIndex(db),
    images: new SqliteImageStore(db),
    audit: new SqliteAuditLog(db),
    serverDeps: { flusher, ...(sync ? { logSync: sync } : {}), backup },
    description: `documents are stored in ${databaseFile} (${durability})`,
    where: { databaseFile, durability: config.durability },
    async close() {
      await store.close()
      await sync?.close()
      await flusher.close()
      db.close()
    },
  }
}

/**
 * PostgreSQL at `url` (`DATABASE_URL`), schema `schema`; exits when it cannot be used, or when
 * another node takes the schema while this one's lock connection is down.
 */
async function openPostgres(
  url: string,
  schema: string,
  { cluster, durability }: { cluster: boolean; durability: Config['durability'] },
  logger: Logger,
): Promise<Storage> {
  // Loaded only here: a server on its SQLite file never needs pg (its idle memory stays its own).
  const { openPostgresStorage, SchemaInUseError } = await import('./storage/postgres-storage.js')
  let storage
  try {
    storage = await openPostgresStorage(
      url,
      schema,
      {
        onLockLost: (error) => {
          // At once, without the flush and compaction of a shutdown: another node serves this schema now,
          // and every write of this one is refused anyway (fenced). Nothing acknowledged is lost: it was
          // committed before it was relayed.
          logger.fatal({ database: redactedUrl(url), schema }, `${error.message}; stopping at once`)
          process.exit(1)
        },
        onLockInterrupted: (error) =>
          logger.warn({ err: error, schema }, 'lost the connection holding the lock on this schema; taking it again'),
      },
      { cluster, synchronousCommit: durability === 'power-safe' },
    )
  } catch (error) {
    const where = { database: redactedUrl(url), schema }
    if (error instanceof SchemaInUseError) logger.fatal(where, error.message)
    else logger.fatal({ ...where, err: error }, 'cannot open the PostgreSQL database at DATABASE_URL')
    process.exit(1)
  }
  return {
    store: storage.documents,
    messages: storage.messages,
    versions: storage.versions,
    search: storage.search,
    images: storage.images,
    audit: storage.audit,
    serverDeps: {
      storageReachable: () => storage.reachable(),
      shared: { log: storage.documents, lastMessageId: () => storage.messages.lastId() },
    },
    description: `documents are stored in PostgreSQL at ${storage.where}; every update is committed before it is relayed (${
      durability === 'power-safe'
        ? 'power-safe: and its WAL flushed to disk'
        : 'crash-safe: a crash of the database host may lose its last ~600 ms; set DURABILITY=power-safe to wait for the WAL flush'
    })${cluster ? " (to this node's clients and, through Redis, to every other node of the cluster)" : ''}`,
    where: { database: storage.where, durability },
    close: () => storage.close(),
  }
}

/** `url` without its password, for logs. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable)'
  }
}

await main()

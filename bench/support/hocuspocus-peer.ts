/**
 * The Hocuspocus peer, run as a process of its own by `peer-server.ts`: a stock Hocuspocus 3 server
 * (the last major that runs on Node 20) with the storage of its SQLite extension. That extension's
 * 3.x release needs the `sqlite3` package, built from source here; its 4.x release runs on
 * better-sqlite3, the driver Tandem uses, with the same table and queries as below. So this is the
 * 4.x extension's storage on the `Database` extension both releases share: one row per document,
 * the whole merged state written on each store, after Hocuspocus' default debounce (2 s, at most
 * 10 s). SQLite keeps its defaults, as the extension does (rollback journal, `synchronous = FULL`).
 *
 * With `REDIS_URL`, it is one node of several: `@hocuspocus/extension-redis` 3.x, as its docs set it
 * up, relays every change to the other nodes that have the document loaded (each change publishes the
 * node's state vector; a node that lacks something asks for it and gets it over Redis), and takes a
 * Redis lock around each store. The nodes of one deployment share one `DATA_DIR`, hence one database
 * file, as they would share one database.
 *
 * Environment: `PORT`, `DATA_DIR` (the database is `DATA_DIR/hocuspocus.sqlite`), and optionally
 * `REDIS_URL` with `REDIS_PREFIX` (the channels and locks of one deployment).
 */
import { join } from 'node:path'

import { Database as DatabaseExtension } from '@hocuspocus/extension-database'
import { Redis as RedisExtension } from '@hocuspocus/extension-redis'
import { type Extension, Server } from '@hocuspocus/server'
import Sqlite from 'better-sqlite3'

const port = Number(process.env.PORT)
const dataDir = process.env.DATA_DIR
if (!Number.isInteger(port) || port <= 0 || !dataDir) throw new Error('PORT and DATA_DIR are required')

/** The Redis extension of one node, when `REDIS_URL` makes this process part of a deployment. */
function redisExtension(): Extension[] {
  const url = process.env.REDIS_URL
  if (!url) return []
  const { hostname, port: redisPort, username, password, pathname } = new URL(url)
  const db = Number(pathname.slice(1) || 0)
  return [
    new RedisExtension({
      host: hostname,
      port: Number(redisPort || 6379),
      prefix: process.env.REDIS_PREFIX ?? 'hocuspocus',
      options: { db, ...(username ? { username } : {}), ...(password ? { password: decodeURIComponent(password) } : {}) },
    }),
  ]
}

// Several nodes may open the file at once (better-sqlite3 waits up to 5 s for another's lock).
const db = new Sqlite(join(dataDir, 'hocuspocus.sqlite'))
db.exec(`CREATE TABLE IF NOT EXISTS "documents" ("name" varchar(255) NOT NULL, "data" blob NOT NULL, UNIQUE(name))`)
const select = db.prepare(`SELECT data FROM "documents" WHERE name = $name ORDER BY rowid DESC`)
const upsert = db.prepare(`INSERT INTO "documents" ("name", "data") VALUES ($name, $data) ON CONFLICT(name) DO UPDATE SET data = $data`)

const server = new Server({
  port,
  address: '127.0.0.1',
  quiet: true,
  extensions: [
    ...redisExtension(),
    new DatabaseExtension({
      fetch: async ({ documentName }) => {
        const row = select.get({ name: documentName }) as { data: Buffer } | undefined
        return row ? new Uint8Array(row.data) : null
      },
      store: async ({ documentName, state }) => {
        upsert.run({ name: documentName, data: state })
      },
    }),
  ],
  async onDestroy() {
    db.close()
  },
})
await server.listen()

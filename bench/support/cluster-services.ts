/**
 * The PostgreSQL and Redis a cluster benchmark runs on: where they are, whether they answer, and a
 * PostgreSQL schema of its own per setup, dropped afterwards (also when the run is interrupted), so
 * runs never share rows and nothing is left behind.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { createConnection } from 'node:net'

import pg from 'pg'

/** Where the shared services of a cluster are. */
export interface ClusterServices {
  /** `postgres://…`; each setup gets a fresh schema in this database. */
  databaseUrl: string
  /** `redis://…` */
  redisUrl: string
}

/** This machine's services, when neither a flag nor `DATABASE_URL` / `REDIS_URL` names others. */
const LOCAL: ClusterServices = { databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:6379' }
const PROBE_TIMEOUT_MS = 3_000

/** The services from explicit values, else `DATABASE_URL` and `REDIS_URL`, else this machine's defaults. */
export function clusterServices(given: Partial<ClusterServices> = {}): ClusterServices {
  return {
    databaseUrl: given.databaseUrl ?? (process.env.DATABASE_URL || LOCAL.databaseUrl),
    redisUrl: given.redisUrl ?? (process.env.REDIS_URL || LOCAL.redisUrl),
  }
}

/** Why the services cannot carry a cluster (one line per service), or an empty list when both answer. */
export async function unreachableServices({ databaseUrl, redisUrl }: ClusterServices): Promise<string[]> {
  const problems: string[] = []
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS })
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (error) {
    problems.push(`PostgreSQL at ${redacted(databaseUrl)}: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await client.end().catch(() => undefined)
  }
  try {
    await redisPing(redisUrl)
  } catch (error) {
    problems.push(`Redis at ${redacted(redisUrl)}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return problems
}

/**
 * A schema name nobody uses (`bench_<random>`) in `databaseUrl`'s database. The servers create it;
 * {@link PostgresSchema.drop} removes it and everything in it. Idempotent.
 */
export class PostgresSchema {
  readonly name = `bench_${randomBytes(6).toString('hex')}`
  readonly #databaseUrl: string
  #dropped = false
  readonly #dropOnExit = (): void => this.#dropNow()

  constructor(databaseUrl: string) {
    this.#databaseUrl = databaseUrl
    // Ctrl-C makes the runner call process.exit(), where only synchronous work runs.
    process.once('exit', this.#dropOnExit)
  }

  async drop(): Promise<void> {
    if (this.#dropped) return
    const client = new pg.Client({ connectionString: this.#databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS })
    try {
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`)
      this.#dropped = true
      process.off('exit', this.#dropOnExit)
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  /** {@link drop} from a synchronous exit handler: a child process does it, and this one waits. */
  #dropNow(): void {
    if (this.#dropped) return
    const pgPath = createRequire(import.meta.url).resolve('pg')
    const script = `const pg = require(${JSON.stringify(pgPath)}); const c = new pg.Client(process.env.URL);
      c.connect().then(() => c.query('DROP SCHEMA IF EXISTS ${this.name} CASCADE')).finally(() => c.end())`
    spawnSync(process.execPath, ['-e', script], { env: { URL: this.#databaseUrl }, stdio: 'ignore', timeout: 10_000 })
  }
}

/**
 * Send `PING` over a bare socket and resolve at `+PONG` (a password in the URL is sent first, as
 * AUTH): enough to know the server is there, without a Redis client of our own.
 */
function redisPing(url: string): Promise<void> {
  const { hostname, port, username, password } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) })
    let answer = ''
    socket.setEncoding('utf8')
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error(`no answer to PING within ${PROBE_TIMEOUT_MS} ms`)))
    socket.once('error', reject)
    socket.on('connect', () => {
      const auth = password ? `AUTH ${username ? `${decodeURIComponent(username)} ` : ''}${decodeURIComponent(password)}\r\n` : ''
      socket.write(`${auth}PING\r\n`)
    })
    socket.on('data', (chunk: string) => {
      answer += chunk
      if (answer.includes('+PONG')) {
        socket.end()
        resolve()
      } else if (answer.startsWith('-')) {
        socket.destroy()
        reject(new Error(answer.trim()))
      }
    })
  })
}

/** `url` without its password, for messages. */
function redacted(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

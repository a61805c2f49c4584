// `npm run cluster`: a local Tandem cluster to try out, three nodes on this machine's PostgreSQL and
// Redis, started exactly as `npm start` starts one (same entry point, same Node flags). Open a
// document on two nodes and type: edits and cursors cross through Redis, and everything is stored in
// PostgreSQL. Ctrl-C (or SIGTERM) stops every node the way a deploy does: each drains (its clients
// are told 1012 "service restart"), flushes and exits; this script exits when they all have.
//
// Environment (all optional):
//   DATABASE_URL   postgres://postgres@127.0.0.1:5432/tandem_cluster; the database is created if missing
//   REDIS_URL      redis://127.0.0.1:6379
//   CLUSTER_PORTS  8787,8788,8789: one node per port
//   HOST           127.0.0.1
//   ADMIN_TOKEN    shared by the nodes, so the admin console works on each; by default generated once
//                  into data/cluster/admin-token
// Anything else (DATABASE_SCHEMA, LOG_LEVEL, AUTH_SECRET...) is passed on to every node unchanged.
// Each node keeps its DATA_DIR (the ready file, nothing else) under data/cluster/<n>.
//
// The npm script `exec`s this file: npm forwards a SIGTERM to the shell it runs a script in, and a
// shell does not pass it on, so without `exec` a supervisor stopping npm would leave the nodes running.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ENTRY = join(ROOT, 'apps/server/dist/main.js')
const CLUSTER_DIR = join(ROOT, 'data/cluster')
/** How long a node may take to listen; then the cluster is stopped. */
const READY_TIMEOUT_MS = 30_000
/** How long the nodes may take to hear each other before the summary says which is not ready. */
const CLUSTER_READY_TIMEOUT_MS = 10_000

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tandem_cluster'
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const host = process.env.HOST || '127.0.0.1'
const ports = (process.env.CLUSTER_PORTS || '8787,8788,8789').split(',').map((port) => Number(port.trim()))
if (ports.length === 0 || ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65_535)) {
  fail(`CLUSTER_PORTS must be a comma-separated list of ports, not "${process.env.CLUSTER_PORTS}"`)
}
if (!existsSync(ENTRY)) fail(`${relative(ROOT, ENTRY)} is missing: run \`npm run cluster\`, which builds it first`)

await ensureDatabase(databaseUrl)
await ensureRedis(redisUrl)
const adminToken = process.env.ADMIN_TOKEN || sharedAdminToken()
const nodes = ports.map((port, index) => startNode(index + 1, port))

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C: the user will not wait for the drain.
      for (const node of nodes) node.child.kill('SIGKILL')
      return
    }
    stopping = true
    console.log(`\n${signal}: stopping the nodes; each drains, flushes and exits (Ctrl-C again to kill them)`)
    // At a terminal, Ctrl-C has already sent SIGINT to the nodes too (they share the process group);
    // a second signal is harmless, a node stops once.
    for (const node of nodes) if (node.exit === null) node.child.kill('SIGTERM')
  })
}

const exits = Promise.all(nodes.map((node) => node.exited))
void exits.then((codes) => process.exit(codes.every((code) => code === 0) ? 0 : 1))

try {
  await Promise.all(nodes.map((node) => waitForReadyFile(node)))
} catch (error) {
  console.error(`tandem cluster: ${error.message}; stopping the others`)
  stopping = true
  for (const node of nodes) if (node.exit === null) node.child.kill('SIGTERM')
  await exits
  process.exit(1)
}
await printSummary()

/** Print `message` and exit 1, before any node runs. */
function fail(message) {
  console.error(`tandem cluster: ${message}`)
  process.exit(1)
}

/** `url` without its password, for messages. */
function redacted(url) {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/**
 * Create the database of `url` unless it exists, through the `pg` client the server itself uses
 * (a dependency of apps/server, loaded from there). Asks the database first, so that a user without
 * CREATEDB is fine as long as the database is there.
 */
async function ensureDatabase(url) {
  const pg = createRequire(join(ROOT, 'apps/server/package.json'))('pg')
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!name) fail(`DATABASE_URL names no database: ${redacted(url)}`)
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    return
  } catch (error) {
    // 3D000: the database does not exist. Anything else (refused, password) is the user's to fix.
    if (error.code !== '3D000') fail(`cannot reach PostgreSQL at ${redacted(url)} (${error.message}); start it or set DATABASE_URL`)
  } finally {
    await client.end().catch(() => {})
  }
  const maintenance = new URL(url)
  maintenance.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: maintenance.toString() })
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`)
    console.log(`created database ${name}`)
  } catch (error) {
    // 42P04: someone created it meanwhile.
    if (error.code !== '42P04') fail(`cannot create database ${name} at ${redacted(url)}: ${error.message}`)
  } finally {
    await admin.end().catch(() => {})
  }
}

/**
 * Fail early when nothing listens at `url`. The nodes would start without Redis all the same
 * (degraded: each serves its own clients), which is not what someone trying a cluster wants to see.
 */
async function ensureRedis(url) {
  const { hostname, port } = new URL(url)
  const answered = await new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.connect(Number(port) || 6379, hostname.replace(/^\[|\]$/g, ''))
  })
  if (!answered) fail(`nothing answers at ${redacted(url)}; start Redis or set REDIS_URL`)
}

/** The admin token in data/cluster/admin-token, created at the first run: the admin link stays the same across runs. */
function sharedAdminToken() {
  const file = join(CLUSTER_DIR, 'admin-token')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(CLUSTER_DIR, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return token
}

/** The Node flags `npm start` passes before the entry point (the root package.json's `start` script). */
function startFlags() {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const match = /\bnode((?: --?[\w-]+(?:=\S+)?)*) apps\/server\/dist\/main\.js/.exec(scripts.start)
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : []
}

/** Start node `n` on `port`; its output is printed line by line, prefixed with its name. */
function startNode(n, port) {
  const id = `node-${n}`
  const dataDir = join(CLUSTER_DIR, String(n))
  const readyFile = join(dataDir, 'ready.json')
  mkdirSync(dataDir, { recursive: true })
  // A file left by an earlier run must not pass for this one's.
  rmSync(readyFile, { force: true })
  const child = spawn(process.execPath, [...startFlags(), ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_FORMAT: process.env.LOG_FORMAT || 'pretty',
      HOST: host,
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ID: id,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      ADMIN_TOKEN: adminToken,
      READY_FILE: readyFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const node = { id, port, dataDir, readyFile, child, exit: null, url: null }
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => console.log(`${id} | ${line}`))
  }
  node.exited = new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`${id} | could not be started: ${error.message}`)
      node.exit = 1
      resolve(1)
    })
    child.once('close', (code, signal) => {
      node.exit = code ?? 1
      if (!stopping) console.log(`${id} exited (${signal ?? `code ${code}`}); the other nodes keep serving. Ctrl-C stops them.`)
      else console.log(`${id} stopped (${signal ?? `code ${code}`})`)
      resolve(node.exit)
    })
  })
  return node
}

/** Resolve once `node` has written its ready file (it listens); reject when it exits first or takes too long. */
async function waitForReadyFile(node) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (node.exit !== null) throw new Error(`${node.id} exited before it was ready`)
    if (existsSync(node.readyFile)) {
      const ready = JSON.parse(readFileSync(node.readyFile, 'utf8'))
      if (ready.pid === node.child.pid) {
        node.url = ready.url
        return
      }
    }
    await sleep(50)
  }
  throw new Error(`${node.id} was not ready within ${READY_TIMEOUT_MS / 1000} s`)
}

/** Wait (a little) for every node to hear the others, then say where everything is. */
async function printSummary() {
  const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS
  let readiness
  do {
    readiness = await Promise.all(
      nodes.map((node) =>
        fetch(`${node.url}/api/ready`)
          .then(async (response) => (response.ok ? 'ready' : `not ready: ${await response.text()}`))
          .catch((error) => `not ready: ${error.message}`),
      ),
    )
    if (readiness.every((state) => state === 'ready') || stopping) break
    await sleep(200)
  } while (Date.now() < deadline)
  if (stopping) return
  const first = nodes[0].url
  console.log(
    [
      '',
      `Tandem cluster of ${nodes.length} nodes on PostgreSQL ${redacted(databaseUrl)} and Redis ${redacted(redisUrl)}:`,
      ...nodes.map((node, index) => `  ${node.id}  ${node.url}  (${readiness[index]}; DATA_DIR ${relative(ROOT, node.dataDir)})`),
      '',
      `Admin console, on any node: ${first}/admin#token=${adminToken}`,
      `Nodes of the cluster:       curl -H 'Authorization: Bearer ${adminToken}' ${first}/api/admin/nodes`,
      `Try it: open one document on two nodes, ${first}/d/hello and ${nodes.at(-1).url}/d/hello, and type in both.`,
      'Ctrl-C stops every node (each drains, flushes and exits).',
      '',
    ].join('\n'),
  )
}

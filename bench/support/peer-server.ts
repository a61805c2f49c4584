/**
 * The peers Tandem is measured against, each in its own process on 127.0.0.1: the y-websocket
 * reference server (y-websocket 2.1's `bin/server.cjs`, the last release that ships it), keeping
 * documents in memory or, with `YPERSISTENCE`, in LevelDB through y-leveldb (any path is a room to
 * it, so the stock client's `<url>/collab/<room>` works unchanged); and Hocuspocus with SQLite
 * storage (`hocuspocus-peer.ts`), which clients reach with its own provider, alone or as one node of
 * several joined by `@hocuspocus/extension-redis`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import type { CollabProtocol } from './collab-client.js'
import { heapProbeEnv } from './heap-probe.js'
import { TempDir } from './temp-dir.js'

/** A peer server that is listening. */
export interface PeerServer {
  name: string
  /** `ws://127.0.0.1:<port>`; the stock client's server URL is this plus `/collab`. */
  wsUrl: string
  /** How clients talk to it. */
  protocol: CollabProtocol
  pid: number
  /** SIGTERM and wait for the exit; removes its data directory unless the caller gave it. */
  stop(): Promise<void>
}

/** The peers by name. */
export const PEER_KINDS = ['y-websocket', 'y-websocket+leveldb', 'hocuspocus+sqlite'] as const
export type PeerKind = (typeof PEER_KINDS)[number]

const require = createRequire(import.meta.url)
/** `bin/server.cjs` beside the package's main file (`dist/`); the package exports no path to it. */
const Y_WEBSOCKET_SERVER = join(dirname(require.resolve('y-websocket-v2')), '..', 'bin', 'server.cjs')
const HOCUSPOCUS_PEER = join(dirname(fileURLToPath(import.meta.url)), 'hocuspocus-peer.ts')
const READY_TIMEOUT_MS = 15_000

/** A port nobody listens on now (the reference server cannot listen on port 0 and say which it got). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

/** Whether peer `kind` keeps documents across a restart. */
export function isDurablePeer(kind: PeerKind): boolean {
  return kind !== 'y-websocket'
}

/** A peer process that answers HTTP on its port. */
export interface PeerProcess {
  port: number
  pid: number
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

/**
 * Run `node <args>` with `env` plus `PORT` (a free one) and resolve once it answers HTTP on it. TypeScript
 * scripts go through tsx (`['--import', 'tsx', file]`), as the benchmarks do.
 */
export async function startPeerProcess(name: string, args: string[], env: Record<string, string>): Promise<PeerProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...heapProbeEnv(), ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const exited = once(child, 'exit')
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited before listening: ${stderr}`)
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      break
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`${name} did not listen on ${port} within ${READY_TIMEOUT_MS} ms: ${stderr}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  return {
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Where a node of a Hocuspocus deployment meets the others: `@hocuspocus/extension-redis`'s server and prefix. */
export interface HocuspocusRedis {
  url: string
  /** Channels and locks of one deployment; a fresh one per run keeps runs apart. */
  prefix: string
}

/**
 * Start peer `kind` (on `dataDir`, to restart on what it stored; else on a directory of its own) and
 * wait until it answers HTTP. With `redis`, a Hocuspocus peer is one node of a deployment: start each
 * node on the same `dataDir` and `redis`.
 */
export async function startPeerServer(kind: PeerKind, dataDir?: string, redis?: HocuspocusRedis): Promise<PeerServer> {
  if (!existsSync(Y_WEBSOCKET_SERVER)) throw new Error(`${Y_WEBSOCKET_SERVER} is missing: run npm install`)
  if (redis && kind !== 'hocuspocus+sqlite') throw new Error(`${kind} has no Redis extension`)
  const ownDir = dataDir === undefined ? new TempDir('tandem-bench-peer') : null
  const dir = dataDir ?? ownDir!.path
  const env: Record<string, string> = {}
  if (kind === 'y-websocket+leveldb') env.YPERSISTENCE = dir
  if (kind === 'hocuspocus+sqlite') env.DATA_DIR = dir
  if (redis) Object.assign(env, { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix })
  const args = kind === 'hocuspocus+sqlite' ? ['--import', 'tsx', HOCUSPOCUS_PEER] : [Y_WEBSOCKET_SERVER]
  const started = await startPeerProcess(kind, args, env)
  return {
    name: kind,
    wsUrl: `ws://127.0.0.1:${started.port}`,
    protocol: kind === 'hocuspocus+sqlite' ? 'hocuspocus' : 'y-websocket',
    pid: started.pid,
    async stop() {
      await started.stop()
      ownDir?.remove()
    },
  }
}

/**
 * The real server as a child process, for tests that must kill it: the built `dist/main.js`, exactly
 * what `npm start` runs (turbo builds it before the server's tests), started by the repository's one
 * helper (`@tandem/server-process`) and killed when the test finishes.
 */
import { type ServerProcess, startServerProcess } from '@tandem/server-process'
import { onTestFinished } from 'vitest'

/** A server process and how to reach it. */
export interface SpawnedServer extends ServerProcess {
  /** `ws://127.0.0.1:<port>/collab`, the stock client's `serverUrl`. */
  collabUrl: string
}

/** Start `main.ts` with `env` (`DATA_DIR` at least) on a free port; it is killed when the test finishes. */
export async function spawnServer(env: Record<string, string> & { DATA_DIR: string }): Promise<SpawnedServer> {
  const { DATA_DIR: dataDir, ...rest } = env
  const server = await startServerProcess({ dataDir, env: rest })
  onTestFinished(async () => void (await server.kill()))
  return Object.assign(server, { collabUrl: `${server.wsUrl}/collab` })
}

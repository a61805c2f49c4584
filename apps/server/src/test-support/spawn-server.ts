/**
 * The real server as a child process, for tests that must kill it: the built `dist/main.js`, exactly
 * what `npm start` runs (turbo builds it before the server's tests). Resolves once it logs that it is
 * ready, with the port it picked.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { onTestFinished } from 'vitest'

const mainFile = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

/** A server process and how to reach it. */
export interface SpawnedServer {
  child: ChildProcess
  port: number
  url: string
  collabUrl: string
  /** Everything the process printed, for failure messages. */
  output(): string
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Start `main.ts` with `env` on a free port; it is killed when the test finishes. */
export async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  if (!existsSync(mainFile)) throw new Error(`${mainFile} is missing: build the server first (npx turbo run build)`)
  const child = spawn(process.execPath, [mainFile], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = /"port":(\d+)/.exec(output)
      if (match) {
        child.stdout.off('data', onData)
        resolve(Number(match[1]))
      }
    }
    child.stdout.on('data', onData)
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before it was ready:\n${output}`)))
  })
  const url = `http://127.0.0.1:${port}`
  return { child, port, url, collabUrl: `ws://127.0.0.1:${port}/collab`, output: () => output, exited }
}

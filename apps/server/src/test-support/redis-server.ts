/**
 * A throwaway `redis-server` child process on a port of the test's choosing, for tests of what the
 * server does while Redis is missing, arrives late or restarts. No persistence; killed when the test
 * finishes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

import { onTestFinished } from 'vitest'

/** A running `redis-server` and how to stop it. */
export interface RedisProcess {
  url: string
  /** Kill it (SIGKILL: no goodbye to its clients) and wait for the exit. */
  kill(): Promise<void>
}

/** A TCP port that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** Start `redis-server` on `port`; resolves once it accepts connections. */
export async function startRedisServer(port: number): Promise<RedisProcess> {
  const child: ChildProcess = spawn(
    'redis-server',
    // DEBUG SLEEP (a paused Redis) is allowed from this machine: the server is the test's own.
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--enable-debug-command',
      'local',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit')
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!output.includes('Ready to accept connections')) return
      child.stdout!.off('data', onData)
      resolve()
    }
    child.stdout!.on('data', onData)
    child.once('error', reject)
    void exited.then(() => reject(new Error(`redis-server exited before it was ready:\n${output}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

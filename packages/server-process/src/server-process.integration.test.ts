/** The helper against the real built server (turbo builds it first), and against stand-ins that misbehave. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { type ServerProcess, type ServerProcessOptions, startServerProcess } from './server-process.js'

const root = mkdtempSync(join(tmpdir(), 'tandem-server-process-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
function freshDir(): string {
  return join(root, `data-${++dirs}`)
}

/** Start a server that is killed when the test ends, whatever happened. */
async function start(options: Partial<ServerProcessOptions> = {}): Promise<ServerProcess> {
  const server = await startServerProcess({ dataDir: freshDir(), ...options })
  onTestFinished(async () => void (await server.kill()))
  return server
}

/** A stand-in for the server's entry point. */
function fakeEntry(name: string, source: string): string {
  const file = join(root, `${name}.mjs`)
  writeFileSync(file, source)
  return file
}

describe('startServerProcess with the built server', () => {
  it('resolves once the server is ready, with the port it picked, and the ready file says the same', async () => {
    const server = await start()
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.port}`)
    expect(server.pid).toBe(server.child.pid)
    expect(JSON.parse(readFileSync(server.readyFile, 'utf8'))).toEqual({
      url: server.url,
      port: server.port,
      pid: server.pid,
      host: '127.0.0.1',
    })
    const health = await fetch(`${server.url}/api/health`)
    expect(health.status).toBe(200)
    expect(server.exit).toBeNull()
  })

  it('stops with SIGTERM: exit code 0, the ready file removed, the port closed', async () => {
    const server = await start()
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    expect(server.exit).toEqual({ code: 0, signal: null })
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    expect(existsSync(server.readyFile)).toBe(false)
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  })

  it('kills with SIGKILL, and a restart on the same data directory and port serves again', async () => {
    const dataDir = freshDir()
    const first = await start({ dataDir })
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' })
    const second = await start({ dataDir, port: first.port })
    expect(second.url).toBe(first.url)
    expect(second.pid).not.toBe(first.pid)
    expect((await fetch(`${second.url}/api/health`)).status).toBe(200)
  })

  it('hands every line to onLine from the first, and keeps the output', async () => {
    const lines: string[] = []
    const server = await start({ onLine: (line, stream) => lines.push(`${stream}: ${line}`) })
    await server.stop()
    expect(lines.some((line) => line.startsWith('stdout: {') && line.includes(`Tandem is ready on ${server.url}`))).toBe(true)
    expect(server.output()).toContain(`Tandem is ready on ${server.url}`)
    expect(server.output()).toContain('"msg":"shutting down"')
  })

  it('fails early when the server exits during start-up, quoting what it printed on stderr', async () => {
    const started = performance.now()
    const failing = startServerProcess({ dataDir: freshDir(), env: { MAX_FRAME_BYTES: 'lots' } })
    await expect(failing).rejects.toThrow(/exited before it was ready \[exit code 1, signal null\][^]*MAX_FRAME_BYTES/)
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})

describe('startServerProcess with a misbehaving entry point', () => {
  it('refuses a missing entry point and says to build', async () => {
    await expect(startServerProcess({ dataDir: freshDir(), entry: join(root, 'missing.js') })).rejects.toThrow(/build the server first/)
  })

  it('kills a server that never becomes ready, once the timeout has passed', async () => {
    const entry = fakeEntry('silent', "console.log('starting, slowly'); setInterval(() => {}, 1000)")
    await expect(startServerProcess({ dataDir: freshDir(), entry, readyTimeoutMs: 300 })).rejects.toThrow(
      /was not ready within 300 ms, so it was killed \[exit code null, signal SIGKILL\][^]*starting, slowly/,
    )
  })

  it('refuses a ready file that is not one, and leaves nothing running', async () => {
    const entry = fakeEntry(
      'garbled',
      [
        "import { renameSync, writeFileSync } from 'node:fs'",
        "writeFileSync(`${process.env.READY_FILE}.tmp`, 'listening')",
        'renameSync(`${process.env.READY_FILE}.tmp`, process.env.READY_FILE)',
        'setInterval(() => {}, 1000)',
      ].join('\n'),
    )
    await expect(startServerProcess({ dataDir: freshDir(), entry })).rejects.toThrow(/is not a ready file[^]*listening[^]*signal SIGKILL/)
  })

  it('SIGKILLs a server that ignores SIGTERM past the stop timeout, and says so', async () => {
    const entry = fakeEntry(
      'stubborn',
      [
        "import { renameSync, writeFileSync } from 'node:fs'",
        "process.on('SIGTERM', () => console.log('not stopping'))",
        "const ready = { url: 'http://127.0.0.1:1', port: 1, pid: process.pid, host: '127.0.0.1' }",
        'writeFileSync(`${process.env.READY_FILE}.tmp`, JSON.stringify(ready))',
        'renameSync(`${process.env.READY_FILE}.tmp`, process.env.READY_FILE)',
        'setInterval(() => {}, 1000)',
      ].join('\n'),
    )
    const server = await start({ entry, stopTimeoutMs: 300 })
    await expect(server.stop()).rejects.toThrow(/did not exit within 300 ms of SIGTERM and was killed[^]*not stopping/)
    expect(server.exit).toEqual({ code: null, signal: 'SIGKILL' })
  })
})

/** `READY_FILE` seen from outside the real server process: written once it listens, or the server stops. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { SERVER_ENTRY } from '@tandem/server-process'
import { afterAll, describe, expect, it } from 'vitest'

import { spawnServer } from './test-support/spawn-server.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-ready-file-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('READY_FILE', () => {
  it('holds the url, port, pid and host of the listening server', async () => {
    const server = await spawnServer({ DATA_DIR: join(dataDir, 'ready') })
    const written = JSON.parse(readFileSync(server.readyFile, 'utf8'))
    expect(written).toEqual({ url: `http://127.0.0.1:${server.port}`, port: server.port, pid: server.child.pid, host: '127.0.0.1' })
    expect((await fetch(`${written.url}/api/health`)).status).toBe(200)
  })

  it('stops the server with exit code 1 and a message naming the file when it cannot be written', () => {
    const readyFile = join(dataDir, 'no-such-directory', 'ready.json')
    const env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dataDir, 'unwritable'),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      READY_FILE: readyFile,
    }
    const result = spawnSync(process.execPath, [SERVER_ENTRY], { env, encoding: 'utf8', timeout: 60_000 })
    expect(result.status, result.stdout + result.stderr).toBe(1)
    expect(result.stdout).toContain(`cannot write READY_FILE ${readyFile}; stopping`)
    expect(result.stdout).toContain('ENOENT')
  })
})

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { readReadyFile } from './ready-file.js'

describe('readReadyFile', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-read-ready-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is null while there is no file', async () => {
    expect(await readReadyFile(join(dir, 'ready.json'))).toBeNull()
  })

  it('reads url, port, pid and host', async () => {
    const file = join(dir, 'ready.json')
    writeFileSync(file, '{"url":"http://127.0.0.1:4321","port":4321,"pid":99,"host":"127.0.0.1","later":"ignored"}\n')
    expect(await readReadyFile(file)).toEqual({ url: 'http://127.0.0.1:4321', port: 4321, pid: 99, host: '127.0.0.1' })
  })

  it.each([
    ['not JSON', 'Tandem is ready'],
    ['a missing port', '{"url":"http://127.0.0.1:4321","pid":99,"host":"127.0.0.1"}'],
    ['port 0', '{"url":"http://127.0.0.1:0","port":0,"pid":99,"host":"127.0.0.1"}'],
    ['a port as text', '{"url":"http://127.0.0.1:4321","port":"4321","pid":99,"host":"127.0.0.1"}'],
    ['no url', '{"port":4321,"pid":99,"host":"127.0.0.1"}'],
    ['no pid', '{"url":"http://127.0.0.1:4321","port":4321,"host":"127.0.0.1"}'],
    ['an array', '[1,2]'],
  ])('refuses a file with %s, quoting it', async (_, text) => {
    const file = join(dir, 'ready.json')
    writeFileSync(file, text)
    await expect(readReadyFile(file)).rejects.toThrow(`is not a ready file ({ url, port, pid, host }): ${text}`)
  })
})

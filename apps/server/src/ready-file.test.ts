import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { writeReadyFile } from './ready-file.js'

const info = { url: 'http://127.0.0.1:4321', port: 4321, pid: 1234, host: '127.0.0.1' }

describe('writeReadyFile', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-ready-file-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the url, port, pid and host as one JSON object, and nothing else beside it', () => {
    writeReadyFile(join(dir, 'ready.json'), { ...info, extra: 'not part of the file' } as typeof info)
    expect(JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'))).toEqual(info)
    expect(readdirSync(dir)).toEqual(['ready.json'])
  })

  it('replaces a file left by an earlier start', () => {
    writeFileSync(join(dir, 'ready.json'), '{"url":"http://127.0.0.1:1","port":1,"pid":1,"host":"127.0.0.1"}')
    writeReadyFile(join(dir, 'ready.json'), info)
    expect(JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'))).toEqual(info)
  })

  it('throws when the directory does not exist', () => {
    expect(() => writeReadyFile(join(dir, 'missing', 'ready.json'), info)).toThrow(/ENOENT/)
  })

  it('throws when the rename fails, leaving no temporary file', () => {
    mkdirSync(join(dir, 'ready.json', 'occupied'), { recursive: true })
    expect(() => writeReadyFile(join(dir, 'ready.json'), info)).toThrow()
    expect(readdirSync(dir)).toEqual(['ready.json'])
  })
})

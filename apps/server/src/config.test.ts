import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 8787, host: '127.0.0.1', maxFrameBytes: 1024 * 1024, sqliteSynchronous: 'full' })
    expect(config.dataDir).toMatch(/\/data$/)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATA_DIR: '' }).port).toBe(8787)
  })

  it('parses numbers and resolves paths', () => {
    const config = loadConfig({ PORT: '9000', DATA_DIR: '/tmp/x', ROOM_IDLE_MS: '0', MAX_FRAME_BYTES: '2048' })
    expect(config).toMatchObject({ port: 9000, dataDir: '/tmp/x', roomIdleMs: 0, maxFrameBytes: 2048 })
  })

  it('names every bad variable in one error', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', MAX_FRAME_BYTES: '-1', LOG_LEVEL: 'loud' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/PORT/)
    expect(attempt).toThrow(/MAX_FRAME_BYTES/)
    expect(attempt).toThrow(/LOG_LEVEL/)
  })

  it('refuses out-of-range values', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/)
    expect(() => loadConfig({ PORT: '80.5' })).toThrow(/PORT/)
  })
})

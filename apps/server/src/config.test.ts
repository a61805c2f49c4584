import { resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

import { ConfigError, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      maxFrameBytes: 1024 * 1024,
      durability: 'crash-safe',
      flushIntervalMs: 1000,
    })
    expect(config.dataDir).toMatch(/\/data$/)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATA_DIR: '' }).port).toBe(8787)
  })

  it('keeps SQLite unless DATABASE_URL names a PostgreSQL database, in a schema that is a plain identifier', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: null, databaseSchema: 'public' })
    expect(loadConfig({ DATABASE_URL: 'postgres://tandem@db:5432/tandem', DATABASE_SCHEMA: 'docs_2' })).toMatchObject({
      databaseUrl: 'postgres://tandem@db:5432/tandem',
      databaseSchema: 'docs_2',
    })
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/tandem' }).databaseUrl).toBe('postgresql://db/tandem')
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/tandem' })).toThrow(/DATABASE_URL: must be a postgres/)
    expect(() => loadConfig({ DATABASE_SCHEMA: 'public; DROP TABLE documents' })).toThrow(/DATABASE_SCHEMA/)
  })

  it('writes no ready file unless READY_FILE names one, which it resolves like DATA_DIR', () => {
    expect(loadConfig({}).readyFile).toBeNull()
    expect(loadConfig({ READY_FILE: '' }).readyFile).toBeNull()
    expect(loadConfig({ READY_FILE: '/run/tandem/ready.json' }).readyFile).toBe('/run/tandem/ready.json')
    expect(loadConfig({ READY_FILE: 'ready.json' }).readyFile).toBe(resolve('ready.json'))
  })

  it('keeps MAX_PUBLISH_DEPTH where JSON.stringify cannot overflow the stack', () => {
    expect(loadConfig({}).maxPublishDepth).toBe(64)
    expect(loadConfig({ MAX_PUBLISH_DEPTH: '512' }).maxPublishDepth).toBe(512)
    expect(() => loadConfig({ MAX_PUBLISH_DEPTH: '513' })).toThrow(/MAX_PUBLISH_DEPTH/)
    expect(() => loadConfig({ MAX_PUBLISH_DEPTH: '0' })).toThrow(/MAX_PUBLISH_DEPTH/)
  })

  it('reads the trash and audit retentions as durations with a unit, and the quotas', () => {
    expect(loadConfig({})).toMatchObject({
      trashRetentionMs: 30 * 86_400_000,
      auditRetentionMs: 365 * 86_400_000,
      maxDocumentBytes: 64 * 1024 * 1024,
      maxRooms: 1_000_000,
    })
    expect(loadConfig({ TRASH_RETENTION: '12h', AUDIT_RETENTION: '0' })).toMatchObject({
      trashRetentionMs: 12 * 3_600_000,
      auditRetentionMs: 0,
    })
    expect(loadConfig({ TRASH_RETENTION: '90m' }).trashRetentionMs).toBe(90 * 60_000)
    expect(loadConfig({ TRASH_RETENTION: '500ms' }).trashRetentionMs).toBe(500)
    for (const bad of ['30', '-1d', '1w', 'soon', '99999d', '1.5d']) {
      expect(() => loadConfig({ TRASH_RETENTION: bad }), bad).toThrow(/TRASH_RETENTION: must be a number and a unit/)
    }
    expect(() => loadConfig({ MAX_DOCUMENT_BYTES: '1000' })).toThrow(/MAX_DOCUMENT_BYTES/)
    expect(() => loadConfig({ MAX_ROOMS: '0' })).toThrow(/MAX_ROOMS/)
  })

  it('has per-connection and per-room budgets for document connections', () => {
    expect(loadConfig({})).toMatchObject({
      maxAwarenessIdsPerConnection: 4,
      maxAwarenessIdsPerRoom: 256,
      maxMessagesPerSecond: 200,
      maxInboundBytesPerSecond: 1024 * 1024,
      maxRejectedMessages: 100,
      maxPendingUpdateBytes: 64 * 1024,
    })
    const custom = loadConfig({ MAX_MESSAGES_PER_SECOND: '50', MAX_PENDING_UPDATE_BYTES: '0', MAX_AWARENESS_IDS_PER_ROOM: '1' })
    expect(custom).toMatchObject({ maxMessagesPerSecond: 50, maxPendingUpdateBytes: 0, maxAwarenessIdsPerRoom: 1 })
    expect(() => loadConfig({ MAX_MESSAGES_PER_SECOND: '0' })).toThrow(/MAX_MESSAGES_PER_SECOND/)
    expect(() => loadConfig({ MAX_INBOUND_BYTES_PER_SECOND: '10' })).toThrow(/MAX_INBOUND_BYTES_PER_SECOND/)
    expect(() => loadConfig({ MAX_AWARENESS_IDS_PER_CONNECTION: '0' })).toThrow(/MAX_AWARENESS_IDS_PER_CONNECTION/)
    expect(() => loadConfig({ MAX_REJECTED_MESSAGES: '-1' })).toThrow(/MAX_REJECTED_MESSAGES/)
  })

  it('has admission limits and HTTP timeouts, and refuses values that contradict each other', () => {
    expect(loadConfig({})).toMatchObject({
      maxConnectionsPerAddress: 64,
      maxSocketsPerAddress: 128,
      maxPendingUpgrades: 256,
      maxNewRoomsPerMinute: 30,
      trustProxy: false,
      allowedHosts: null,
      publicUrl: null,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
    })
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false)
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/)
    for (const name of ['MAX_CONNECTIONS_PER_ADDRESS', 'MAX_SOCKETS_PER_ADDRESS', 'MAX_PENDING_UPGRADES', 'MAX_NEW_ROOMS_PER_MINUTE']) {
      expect(() => loadConfig({ [name]: '0' }), name).toThrow(new RegExp(name))
      expect(() => loadConfig({ [name]: 'many' }), name).toThrow(new RegExp(name))
    }
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '10' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/)
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed/,
    )
    expect(() => loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '200' })).toThrow(/MAX_SOCKETS_PER_ADDRESS: must be at least/)
    expect(loadConfig({ MAX_CONNECTIONS_PER_ADDRESS: '200', MAX_SOCKETS_PER_ADDRESS: '400' }).maxConnectionsPerAddress).toBe(200)
  })

  it('reads PUBLIC_URL and ALLOWED_HOSTS for the DNS-rebinding check', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://docs.example.com/',
      ALLOWED_HOSTS: ' Tandem.Internal , *.corp.example,[::1],10.0.0.5 ',
    })
    expect(config.publicUrl).toBe('https://docs.example.com/')
    expect(config.allowedHosts).toEqual(['tandem.internal', '*.corp.example', '[::1]', '10.0.0.5'])
    expect(loadConfig({ ALLOWED_HOSTS: '*' }).allowedHosts).toEqual(['*'])
    expect(() => loadConfig({ PUBLIC_URL: 'docs.example.com' })).toThrow(/PUBLIC_URL/)
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://docs.example.com' })).toThrow(/PUBLIC_URL/)
    for (const bad of ['docs.example.com:443', 'https://docs.example.com', 'a/b', '*example.com', 'x.*.example.com', 'user@host']) {
      expect(() => loadConfig({ ALLOWED_HOSTS: bad }), bad).toThrow(/ALLOWED_HOSTS/)
    }
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

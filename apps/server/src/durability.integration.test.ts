import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { eventually } from './test-support/eventually.js'
import { spawnServer } from './test-support/spawn-server.js'
import { connectClient } from './test-support/test-server.js'

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-durability-'))
const METRICS_TOKEN = 'durability-admin-token-0123456789'
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('durability of the real server process', () => {
  // Both modes relay an update only once it is in the log: a killed process loses none of them.
  it.each(['crash-safe', 'power-safe'])(
    'keeps all 300 relayed edits through kill -9 and restart (DURABILITY=%s)',
    async (durability) => {
      const dir = join(dataDir, `kill9-${durability}`)
      const first = await spawnServer({ DATA_DIR: dir, DURABILITY: durability, ADMIN_TOKEN: METRICS_TOKEN, FLUSH_INTERVAL_MS: '200' })
      const author = await connectClient(first, 'crash-test')
      const witness = await connectClient(first, 'crash-test')

      // 300 separate edits, each its own Yjs transaction and its own frame.
      for (let i = 0; i < 300; i++) {
        author.text.insert(author.text.length, `<${i}>`)
        if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      const expected = author.text.toString()
      await eventually(() => expect(witness.text.toString()).toBe(expected), { timeout: 15_000 })
      // Both modes: the flush worker runs and says how recent its last fsync is; power-safe mode also
      // waited for fsyncs of its own before relaying, fewer than the edits when they shared one.
      const metrics = async (): Promise<string> =>
        (await fetch(`${first.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
      const counter = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
      await eventually(async () => expect(counter(await metrics(), 'tandem_log_flush_age_seconds')).toBeLessThan(1))
      const scraped = await metrics()
      if (durability === 'power-safe') {
        expect(counter(scraped, 'tandem_log_syncs_total')).toBeGreaterThan(0)
        expect(counter(scraped, 'tandem_log_synced_commits_total')).toBeGreaterThanOrEqual(counter(scraped, 'tandem_log_syncs_total'))
      } else {
        expect(scraped).not.toContain('tandem_log_syncs_total')
      }

      // Nobody may resend anything: the clients go away before the crash.
      author.provider.destroy()
      witness.provider.destroy()
      expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' })

      const second = await spawnServer({ DATA_DIR: dir, DURABILITY: durability })
      const reader = await connectClient(second, 'crash-test')
      const text = reader.text.toString()
      for (let i = 0; i < 300; i++) expect(text).toContain(`<${i}>`)
      expect(text).toBe(expected)
    },
    120_000,
  )

  it('shuts down cleanly on SIGTERM: exit 0 and the document is compacted and intact', async () => {
    const dir = join(dataDir, 'sigterm')
    const first = await spawnServer({ DATA_DIR: dir })
    const client = await connectClient(first, 'graceful')
    client.text.insert(0, 'saved on the way out')
    const witness = await connectClient(first, 'graceful')
    await eventually(() => expect(witness.text.toString()).toBe('saved on the way out'))
    const closeCode = new Promise<number>((resolve) => witness.provider.ws?.addEventListener('close', (event) => resolve(event.code)))
    expect(await first.stop()).toEqual({ code: 0, signal: null })
    // 1012: restarting, reconnect at once (to another node, behind a load balancer).
    expect(await closeCode).toBe(1012)
    client.provider.destroy()
    witness.provider.destroy()

    const second = await spawnServer({ DATA_DIR: dir })
    const reader = await connectClient(second, 'graceful')
    expect(reader.text.toString()).toBe('saved on the way out')
  }, 120_000)

  it('refuses to start with a bad variable, naming it', async () => {
    await expect(spawnServer({ DATA_DIR: join(dataDir, 'bad'), PORT: 'not-a-port' })).rejects.toThrow(/PORT/)
  })
})

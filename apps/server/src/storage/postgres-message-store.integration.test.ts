import { describe, expect, it } from 'vitest'

import { databaseUrl, PostgresTestDatabase } from '../test-support/postgres-test-database.js'
import { describeMessageStore } from './message-store.contract.js'
import { selectorFor } from './message-store.js'
import { PostgresMessageStore } from './postgres-message-store.js'

describe.skipIf(!databaseUrl)('PostgresMessageStore (real PostgreSQL at DATABASE_URL)', () => {
  const database = PostgresTestDatabase.create()

  describeMessageStore('postgres', async () => new PostgresMessageStore(await database.pool()))

  /** Stores on one schema, each with a pool of its own: nodes sharing one database. */
  const nodes = async (schema: string, count: number): Promise<PostgresMessageStore[]> =>
    Promise.all(Array.from({ length: count }, async () => new PostgresMessageStore(await database.pool(schema))))

  it('numbers racing publishes of several nodes in commit order: a reader resuming from the last id it saw misses none', async () => {
    const stores = await nodes('racing', 3)
    const perNode = 40
    const publishing = stores.map(async (store, node) => {
      for (let n = 0; n < perNode; n++) await store.append([`room:${node}`, 'all'], JSON.stringify({ node, n }), Date.now())
    })
    // A subscriber on yet another node reads what is committed, again and again, from the last id it saw.
    const reader = stores[0]!
    const seen: number[] = []
    let done = false
    const reading = (async () => {
      for (;;) {
        const finished = done
        const page = await reader.since(selectorFor(['all']), seen.at(-1) ?? 0, 1000)
        seen.push(...page.map((message) => message.id))
        if (finished && page.length === 0) return
      }
    })()
    await Promise.all(publishing)
    done = true
    await reading
    expect(seen).toHaveLength(stores.length * perNode)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    const all = await reader.since(selectorFor(['all', 'room:*']), 0, 10_000)
    expect(all.map((message) => message.id)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1))
  })

  it('stores an idempotency key once when nodes race to publish with it', async () => {
    const stores = await nodes('idempotent', 3)
    const outcomes = await Promise.all(
      stores.map((store, node) =>
        store.append(['orders'], JSON.stringify({ node }), Date.now(), { key: 'k-1', expiresAt: Date.now() + 60_000 }),
      ),
    )
    expect(outcomes.filter((outcome) => !outcome.duplicate)).toHaveLength(1)
    const first = outcomes.find((outcome) => !outcome.duplicate)!.messages
    for (const outcome of outcomes) expect(outcome.messages).toEqual(first)
    expect(await stores[1]!.since(selectorFor(['orders']), 0, 10)).toHaveLength(1)
  })

  it('finds a sparse selection past the window walked in id order, by name and by prefix', async () => {
    const [store] = await nodes('sparse', 1)
    const expected: number[] = []
    for (let n = 0; n < 1200; n++) {
      const rare = n % 400 === 399
      const channels = rare ? ['room:busy', `user:${n}`, 'alerts'] : ['room:busy']
      const { messages } = await store!.append(channels, JSON.stringify({ n }), Date.now())
      if (rare) expected.push(...messages.filter((message) => message.channel !== 'room:busy').map((message) => message.id))
    }
    const page = await store!.since(selectorFor(['alerts', 'user:*']), 0, 10)
    expect(page.map((message) => message.id)).toEqual(expected)
    expect(page.map((message) => message.channel)).toEqual(['user:399', 'alerts', 'user:799', 'alerts', 'user:1199', 'alerts'])
    // From the middle, with a limit: the next two after the first rare pair.
    expect((await store!.since(selectorFor(['alerts', 'user:*']), expected[1]!, 2)).map((message) => message.channel)).toEqual([
      'user:799',
      'alerts',
    ])
  })

  it('matches prefixes literally: % and _ in a channel name are not wildcards', async () => {
    const [store] = await nodes('literal', 1)
    await store!.append(['a_b:1', 'axb:1', 'a%:1', 'ab:1'], '{}', Date.now())
    const channels = async (pattern: string): Promise<string[]> =>
      (await store!.since(selectorFor([pattern]), 0, 10)).map((message) => message.channel)
    expect(await channels('a_b:*')).toEqual(['a_b:1'])
    expect(await channels('a%*')).toEqual(['a%:1'])
  })
})

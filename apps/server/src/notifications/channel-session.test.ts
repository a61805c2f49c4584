import { CloseCode, type ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it, vi } from 'vitest'

import { ConnectionError } from '../errors.js'
import { createLogger } from '../logger.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import type { MessageStore } from '../storage/message-store.js'
import { ChannelSession } from './channel-session.js'
import { NotificationHub } from './notification-hub.js'

function setup(
  options: {
    store?: MessageStore
    maxMessages?: number
    maxSubscriptions?: number
    authorize?: (p: string) => boolean | Promise<boolean>
    maxQueuedFrames?: number
    maxPendingFrames?: number
    /** Flow control: the transport's unread bytes and its limit. */
    bufferedBytes?: () => number
    maxBufferedBytes?: number
    replayPageSize?: number
  } = {},
) {
  const store = options.store ?? new MemoryMessageStore()
  const hub = new NotificationHub({
    store,
    logger: createLogger('silent'),
    retentionFor: () => ({ maxMessages: options.maxMessages ?? 1000, maxAgeMs: 1e12 }),
  })
  const frames: ServerChannelFrame[] = []
  /** Characters of JSON handed to `send`. */
  const sent = { bytes: 0 }
  const session = new ChannelSession({
    hub,
    logger: createLogger('silent'),
    send: (frame, json) => {
      frames.push(frame)
      sent.bytes += json.length
    },
    maxSubscriptions: options.maxSubscriptions ?? 128,
    authorize: options.authorize ?? (() => true),
    replayPageSize: options.replayPageSize ?? 7,
    ...(options.maxQueuedFrames ? { maxQueuedFrames: options.maxQueuedFrames } : {}),
    ...(options.maxPendingFrames ? { maxPendingFrames: options.maxPendingFrames } : {}),
    ...(options.bufferedBytes ? { bufferedBytes: options.bufferedBytes } : {}),
    ...(options.maxBufferedBytes ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
  })
  const messageIds = () => frames.flatMap((f) => (f.type === 'message' ? [f.id] : []))
  return { hub, session, frames, messageIds, sent }
}

describe('ChannelSession', () => {
  it('delivers live messages on subscribed channels and patterns only', async () => {
    const { hub, session, frames } = setup()
    await session.handleText('{"type":"subscribe","channels":["news","room:*"]}')
    expect(frames).toEqual([{ type: 'subscribed', channels: ['news', 'room:*'] }])
    await hub.publish(['news'], { t: 1 })
    await hub.publish(['sports'], { t: 2 })
    await hub.publish(['room:a'], { t: 3 })
    expect(frames.slice(1).map((f) => (f.type === 'message' ? [f.channel, f.data] : f.type))).toEqual([
      ['news', { t: 1 }],
      ['room:a', { t: 3 }],
    ])
  })

  it('resumes with no gap and no duplicate while messages keep arriving during the replay', async () => {
    // History reads yield to the event loop, so publishes land between the pages of the replay.
    const memory = new MemoryMessageStore()
    const slow: MessageStore = {
      append: (...args) => memory.append(...args),
      since: async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 2))
        return memory.since(...args)
      },
      gaps: (...args) => memory.gaps(...args),
      prune: (...args) => memory.prune(...args),
      close: () => memory.close(),
    }
    const { hub, session, messageIds, frames } = setup({ store: slow })
    const all: number[] = []
    for (let i = 0; i < 40; i++) all.push((await hub.publish(['c'], i)).ids.c!)
    const since = all[9]!
    const replay = session.subscribe(['c'], since)
    const during = (async () => {
      for (let i = 40; i < 70; i++) {
        all.push((await hub.publish(['c'], i)).ids.c!)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    await Promise.all([replay, during])
    for (let i = 70; i < 75; i++) all.push((await hub.publish(['c'], i)).ids.c!)

    expect(messageIds()).toEqual(all.filter((id) => id > since))
    expect(frames.filter((f) => f.type === 'gap')).toEqual([])
  })

  it('announces a gap first when history no longer reaches since', async () => {
    const { hub, session, frames } = setup({ maxMessages: 5 })
    const ids: number[] = []
    for (let i = 0; i < 12; i++) ids.push((await hub.publish(['c'], i)).ids.c!)
    await session.subscribe(['c'], ids[2])
    expect(frames[0]).toEqual({ type: 'gap', channel: 'c' })
    expect(frames.filter((f) => f.type === 'message').map((f) => (f.type === 'message' ? f.data : null))).toEqual([7, 8, 9, 10, 11])
    expect(frames.at(-1)).toEqual({ type: 'subscribed', channels: ['c'] })
  })

  it('sends a message matched by two patterns once', async () => {
    const { hub, session, messageIds } = setup()
    await session.subscribe(['room:*', 'room:a'])
    const { ids } = await hub.publish(['room:a'], 1)
    expect(messageIds()).toEqual([ids['room:a']])
  })

  it('unsubscribes, and stops listening to the hub when nothing is left', async () => {
    const { hub, session, frames } = setup()
    await session.subscribe(['a'])
    session.unsubscribe(['a'])
    await hub.publish(['a'], 1)
    expect(frames.map((f) => f.type)).toEqual(['subscribed', 'unsubscribed'])
    expect(hub.listenerCount).toBe(0)
  })

  it('answers bad frames, limits and refusals with error frames and keeps working', async () => {
    const { hub, session, frames, messageIds } = setup({ maxSubscriptions: 2, authorize: (p) => p !== 'secret' })
    await session.handleText('{oops')
    await session.handleText('{"type":"subscribe","channels":["a b"]}')
    await session.handleText('{"type":"subscribe","channels":["a","b","c"]}')
    await session.handleText('{"type":"subscribe","channels":["secret","a"]}')
    expect(frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual([
      'bad_frame',
      'bad_channel',
      'too_many_subscriptions',
      'forbidden',
      'subscribed',
    ])
    const { ids } = await hub.publish(['a'], 'still works')
    expect(messageIds()).toEqual([ids.a])
  })

  it('sends nothing after close', async () => {
    const { hub, session, frames } = setup()
    await session.subscribe(['a'])
    session.close()
    await hub.publish(['a'], 1)
    expect(frames).toHaveLength(1)
    expect(hub.listenerCount).toBe(0)
  })

  it('delivers a private channel matched by a wildcard only when that exact channel is readable, from history and live', async () => {
    const asked: string[] = []
    const readable = new Set(['user:me', 'room:open'])
    const authorize = (channel: string): boolean => {
      asked.push(channel)
      return channel.endsWith('*') || !channel.includes(':') || readable.has(channel)
    }
    const { hub, session, frames } = setup({ authorize })
    const before: Record<string, number> = {}
    for (const channel of ['user:bob', 'user:me', 'updates', 'room:secret', 'room:open', 'user:bobby']) {
      before[channel] = (await hub.publish([channel], `${channel} before`)).ids[channel]!
    }
    await session.subscribe(['u*', 'r*'], 0)
    for (const channel of ['user:bob', 'user:me', 'updates', 'room:secret', 'room:open']) await hub.publish([channel], `${channel} after`)
    const delivered = frames.flatMap((f) => (f.type === 'message' ? [f.data] : []))
    expect(delivered).toEqual(['user:me before', 'updates before', 'room:open before', 'user:me after', 'updates after', 'room:open after'])
    // Each private channel was asked about once, however many of its messages went by.
    expect(asked.filter((c) => c === 'user:bob')).toHaveLength(1)
    expect(asked).not.toContain('updates')
  })

  it('announces a gap on a private channel only to a subscriber who may read it', async () => {
    const { hub, session, frames } = setup({ maxMessages: 1, authorize: (c) => c !== 'user:bob' })
    const first = (await hub.publish(['user:bob', 'user:me'], 1)).ids
    await hub.publish(['user:bob', 'user:me'], 2)
    await session.subscribe(['user*'], first['user:bob']! - 1)
    expect(frames.filter((f) => f.type === 'gap')).toEqual([{ type: 'gap', channel: 'user:me' }])
    expect(frames.flatMap((f) => (f.type === 'message' ? [f.channel] : []))).toEqual(['user:me'])
  })

  it('keeps frames in order while an access check is pending', async () => {
    let release: (allowed: boolean) => void = () => {}
    const authorize = (channel: string): boolean | Promise<boolean> =>
      channel === 'room:slow' ? new Promise<boolean>((resolve) => (release = resolve)) : true
    const { hub, session, frames } = setup({ authorize })
    await session.subscribe(['room:*', 'news'])
    await hub.publish(['room:slow'], 'first')
    await hub.publish(['news'], 'second')
    await hub.publish(['room:slow'], 'third')
    expect(frames.filter((f) => f.type === 'message')).toEqual([])
    release(true)
    await vi.waitFor(() => expect(frames.flatMap((f) => (f.type === 'message' ? [f.data] : []))).toEqual(['first', 'second', 'third']))
  })

  it('gives up, and says so, when frames pile up behind an access check that never answers', async () => {
    const { hub, session, frames } = setup({
      authorize: (c) => (c === 'room:stuck' ? new Promise<boolean>(() => {}) : true),
      maxQueuedFrames: 5,
    })
    await session.subscribe(['room:*'])
    for (let i = 0; i < 8; i++) await hub.publish([i === 0 ? 'room:stuck' : 'room:other'], i)
    expect(frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(['subscribed', 'fell_behind'])
    expect(session.patterns).toEqual([])
    expect(hub.listenerCount).toBe(0)
  })

  it('holds subscription slots while patterns are authorized, so concurrent subscribes cannot pass the limit', async () => {
    let calls = 0
    const authorize = async (): Promise<boolean> => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 20))
      return true
    }
    const { session, frames } = setup({ maxSubscriptions: 4, authorize })
    // Client frames wait for each other; direct calls (a transport's own subscription) do not.
    await Promise.all([
      session.subscribe(['a', 'b']),
      session.subscribe(['c', 'd']),
      session.subscribe(['e', 'f']),
      session.subscribe(['a', 'g']),
    ])
    expect(session.patterns).toHaveLength(4)
    expect(calls).toBe(4)
    expect(frames.filter((f) => f.type === 'error').map((f) => (f.type === 'error' ? f.code : ''))).toEqual([
      'too_many_subscriptions',
      'too_many_subscriptions',
    ])
  })

  it('refuses a pattern whose authorization fails, and keeps working', async () => {
    const { hub, session, frames, messageIds } = setup({
      authorize: (c) => (c === 'boom' ? Promise.reject(new Error('webhook down')) : true),
    })
    await session.subscribe(['boom', 'fine'])
    expect(frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(['forbidden', 'subscribed'])
    const { ids } = await hub.publish(['fine'], 1)
    expect(messageIds()).toEqual([ids.fine])
  })

  it('applies client frames in arrival order: an unsubscribe right after its subscribe waits for it', async () => {
    // Like a webhook: the answer comes a little later.
    const authorize = (): Promise<boolean> => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5))
    const { hub, session, frames } = setup({ authorize })
    // The transport hands frames over as they arrive, without waiting for the previous one.
    const handled = [
      session.handleText('{"type":"subscribe","channels":["order-*","order-x"],"since":0}'),
      session.handleText('{"type":"unsubscribe","channels":["order-*","order-x"]}'),
    ]
    await Promise.all(handled)
    expect(frames).toEqual([
      { type: 'subscribed', channels: ['order-*', 'order-x'] },
      { type: 'unsubscribed', channels: ['order-*', 'order-x'] },
    ])
    await hub.publish(['order-x'], 'after the unsubscribe')
    expect(frames).toHaveLength(2)
    expect(session.patterns).toEqual([])
    expect(hub.listenerCount).toBe(0)
  })

  it('answers a bad frame in its place among the others', async () => {
    let release: ((allowed: boolean) => void) | null = null
    const { session, frames } = setup({ authorize: () => new Promise<boolean>((resolve) => (release = resolve)) })
    const handled = [session.handleText('{"type":"subscribe","channels":["a"]}'), session.handleText('{oops')]
    await vi.waitFor(() => expect(release).not.toBeNull())
    expect(frames).toEqual([])
    release!(true)
    await Promise.all(handled)
    expect(frames.map((f) => (f.type === 'error' ? f.code : f.type))).toEqual(['subscribed', 'bad_frame'])
  })

  it('refuses the connection, and stops, when more client frames wait than it may hold', async () => {
    const asked: string[] = []
    const authorize = (channel: string): Promise<boolean> => {
      asked.push(channel)
      return new Promise<boolean>(() => {})
    }
    const { hub, session, frames } = setup({ authorize, maxPendingFrames: 3 })
    const handled = ['a', 'b', 'c', 'd'].map((channel) => session.handleText(`{"type":"subscribe","channels":["${channel}"]}`))
    const refused = session.handleText('{"type":"subscribe","channels":["e"]}')
    await expect(refused).rejects.toSatisfy((error) => error instanceof ConnectionError && error.closeCode === CloseCode.RateLimited)
    // The frames that waited were dropped with the session: their callers are not left hanging.
    await Promise.all(handled.slice(1))
    expect(asked).toEqual(['a'])
    await session.handleText('{"type":"subscribe","channels":["f"]}')
    await hub.publish(['a', 'b', 'f'], 1)
    expect(frames).toEqual([])
    expect(hub.listenerCount).toBe(0)
  })

  it('drops the client frames still waiting when closed', async () => {
    const asked: string[] = []
    let release: (allowed: boolean) => void = () => {}
    const authorize = (channel: string): Promise<boolean> => {
      asked.push(channel)
      return new Promise<boolean>((resolve) => (release = resolve))
    }
    const { hub, session, frames } = setup({ authorize })
    const handled = [
      session.handleText('{"type":"subscribe","channels":["a"]}'),
      session.handleText('{"type":"subscribe","channels":["b"]}'),
      session.handleText('{"type":"unsubscribe","channels":["a"]}'),
    ]
    await vi.waitFor(() => expect(asked).toEqual(['a']))
    session.close()
    release(true)
    await Promise.all(handled)
    expect(asked).toEqual(['a'])
    expect(frames).toEqual([])
    await hub.publish(['a', 'b'], 1)
    expect(frames).toEqual([])
    expect(hub.listenerCount).toBe(0)
  })

  it("replays at its reader's pace: pages bounded by bytes, the next one only once the reader caught up", async () => {
    // A transport whose reader takes nothing until told to: everything sent stays buffered.
    const reader = { read: 0, sent: (): number => 0 }
    const { hub, session, frames, sent } = setup({
      bufferedBytes: () => reader.sent() - reader.read,
      maxBufferedBytes: 16_000,
      replayPageSize: 500,
    })
    reader.sent = () => sent.bytes
    const ids: number[] = []
    for (let i = 0; i < 60; i++) ids.push((await hub.publish([`big-${i % 3}`], 'x'.repeat(1000))).ids[`big-${i % 3}`]!)
    const replay = session.subscribe(['big-*'], 0)
    const unread = (): number => sent.bytes - reader.read
    const drained: number[] = []
    let last = -1
    while (frames.at(-1)?.type !== 'subscribed') {
      // Wait until the replay stops sending, then look at what it sent ahead of the reader.
      await vi.waitFor(async () => {
        const before = sent.bytes
        await new Promise((resolve) => setTimeout(resolve, 20))
        expect(sent.bytes).toBe(before)
        expect(sent.bytes).not.toBe(last)
      })
      last = sent.bytes
      // Half the limit ahead, give or take one message: never near the transport's cut-off.
      expect(unread()).toBeLessThanOrEqual(8_000 + 1_100)
      drained.push(frames.length)
      reader.read = sent.bytes - 3_000 // the reader takes all but 3 KB
    }
    await replay
    expect(drained.length).toBeGreaterThan(5)
    expect(frames.flatMap((f) => (f.type === 'message' ? [f.id] : []))).toEqual(ids)
  })

  it('gives the event loop a turn between the pages of a replay', async () => {
    const { hub, session, messageIds } = setup()
    for (let i = 0; i < 70; i++) await hub.publish(['c'], i)
    let done = false
    const replay = session.subscribe(['c'], 0).then(() => (done = true))
    // Memory history answers at once: only a replay that yields lets other work run before its end.
    const seenPerTurn: number[] = []
    while (!done) await new Promise((resolve) => setImmediate(() => resolve(seenPerTurn.push(messageIds().length))))
    await replay
    // Pages of 7: ten turns of the loop at least, each sending one page.
    expect(new Set(seenPerTurn).size).toBeGreaterThanOrEqual(10)
    expect(messageIds()).toHaveLength(70)
  })

  it('ends a replay whose live messages outgrow the buffer, saying where to resume, and resumes from there with no gap', async () => {
    const backlog = { bytes: Number.POSITIVE_INFINITY }
    const { hub, session, frames, messageIds } = setup({ bufferedBytes: () => backlog.bytes, maxBufferedBytes: 16_000 })
    const all: number[] = []
    for (let i = 0; i < 20; i++) all.push((await hub.publish(['c'], 'h'.repeat(1000))).ids.c!)
    await session.subscribe(['news'])
    // The reader never catches up, so the replay waits while live messages keep coming.
    const replay = session.subscribe(['c'], 0)
    let news = 0
    for (let i = 0; i < 20; i++) {
      all.push((await hub.publish(['c'], 'l'.repeat(1000))).ids.c!)
      if ((await hub.publish(['news'], i)).ids.news) news++
    }
    backlog.bytes = 0
    await replay
    const error = frames.find((f) => f.type === 'error')
    expect(error).toMatchObject({ type: 'error', code: 'fell_behind' })
    expect(frames.filter((f) => f.type === 'subscribed')).toEqual([{ type: 'subscribed', channels: ['news'] }])
    expect(session.patterns).toEqual(['news'])
    expect(frames.filter((f) => f.type === 'message' && f.channel === 'news')).toHaveLength(news)
    // Resuming where the error says sends the rest of the channel, nothing twice and nothing missing.
    const since = Number(/since (\d+)/.exec(error!.type === 'error' ? error!.message : '')![1])
    await session.subscribe(['c'], since)
    const onC = frames.flatMap((f) => (f.type === 'message' && f.channel === 'c' ? [f.id] : []))
    expect(onC).toEqual(all)
    expect(messageIds()).toHaveLength(all.length + news)
  })
})

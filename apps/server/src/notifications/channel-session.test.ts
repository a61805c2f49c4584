import type { ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.js'
import { MemoryMessageStore } from '../storage/memory-message-store.js'
import type { MessageStore } from '../storage/message-store.js'
import { ChannelSession } from './channel-session.js'
import { NotificationHub } from './notification-hub.js'

function setup(options: { store?: MessageStore; maxMessages?: number; maxSubscriptions?: number; authorize?: (p: string) => boolean } = {}) {
  const store = options.store ?? new MemoryMessageStore()
  const hub = new NotificationHub({
    store,
    logger: createLogger('silent'),
    retentionFor: () => ({ maxMessages: options.maxMessages ?? 1000, maxAgeMs: 1e12 }),
  })
  const frames: ServerChannelFrame[] = []
  const session = new ChannelSession({
    hub,
    logger: createLogger('silent'),
    send: (frame) => frames.push(frame),
    maxSubscriptions: options.maxSubscriptions ?? 128,
    authorize: options.authorize,
    replayPageSize: 7,
  })
  const messageIds = () => frames.flatMap((f) => (f.type === 'message' ? [f.id] : []))
  return { hub, session, frames, messageIds }
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
    await session.subscribe(['c'], ids[2]!)
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
})

import type { ChannelMessage, ChannelTransport, NetworkSignal, TransportHandlers } from '@tandem/client'
import type { ClientChannelFrame, ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { createNotificationsFeed } from './notifications-feed.js'
import { createResumePoint, RESUME_STORAGE_KEY } from './resume-point.js'

/** A carrier driven by the test, standing in for the network between the page and the server. */
class ScriptedTransport implements ChannelTransport {
  readonly reconnectsItself: boolean
  handlers: TransportHandlers | null = null
  sent: ClientChannelFrame[] = []
  closed = false
  constructor(readonly kind: 'websocket' | 'document') {
    this.reconnectsItself = kind === 'document'
  }
  open(handlers: TransportHandlers): void {
    this.handlers = handlers
  }
  send(frame: ClientChannelFrame): boolean {
    this.sent.push(frame)
    return true
  }
  close(): void {
    this.closed = true
    this.handlers = null
  }
  deliver(frame: ServerChannelFrame): void {
    this.handlers!.onFrame(frame)
  }
}

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { data: Record<string, string> } {
  const data: Record<string, string> = {}
  return { data, getItem: (key) => data[key] ?? null, setItem: (key, value) => void (data[key] = value) }
}

function fakeNetwork(): NetworkSignal & { set(online: boolean): void } {
  const listeners = new Set<(online: boolean) => void>()
  let online = true
  return {
    get online() {
      return online
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(next) {
      online = next
      for (const listener of listeners) listener(next)
    },
  }
}

const message = (id: number, channel = 'broadcast'): ServerChannelFrame => ({ type: 'message', channel, id, data: `m${id}`, ts: id })

function setup(kind: 'websocket' | 'document' = 'websocket', storage = memoryStorage()) {
  const transports: ScriptedTransport[] = []
  const network = fakeNetwork()
  const feed = createNotificationsFeed({
    baseUrl: 'http://tandem.test',
    channels: ['broadcast'],
    resume: createResumePoint(storage),
    network,
  })
  const got: ChannelMessage[] = []
  feed.onMessage((m) => got.push(m))
  const connect = (): void =>
    feed.connect(() => {
      const transport = new ScriptedTransport(kind)
      transports.push(transport)
      return transport
    })
  return { feed, transports, network, got, storage, connect, current: () => transports.at(-1)! }
}

describe('createNotificationsFeed', () => {
  it('subscribes to the page channels and remembers the last id in storage', () => {
    const { feed, got, storage, connect, current } = setup()
    expect(feed.status).toBe('idle')
    connect()
    current().handlers!.onOpen()
    expect(feed.status).toBe('live')
    expect(current().sent).toEqual([{ type: 'subscribe', channels: ['broadcast'] }])
    current().deliver(message(4))
    expect(got.map((m) => m.id)).toEqual([4])
    expect(storage.data[RESUME_STORAGE_KEY]).toBe('4')
  })

  it('resumes after the stored id on the next page load', () => {
    const storage = memoryStorage()
    storage.data[RESUME_STORAGE_KEY] = '17'
    const { connect, current } = setup('websocket', storage)
    connect()
    current().handlers!.onOpen()
    expect(current().sent).toEqual([{ type: 'subscribe', channels: ['broadcast'], since: 17 }])
  })

  it('closes its own socket when the network goes and resubscribes after the last id when it returns', () => {
    const { feed, network, connect, current, transports } = setup('websocket')
    connect()
    current().handlers!.onOpen()
    current().deliver(message(9))
    network.set(false)
    expect(transports[0]!.closed).toBe(true)
    expect(feed.status).toBe('offline')
    network.set(true)
    expect(transports).toHaveLength(2)
    current().handlers!.onOpen()
    expect(current().sent).toEqual([{ type: 'subscribe', channels: ['broadcast'], since: 9 }])
    expect(feed.status).toBe('live')
  })

  it('leaves a document socket to its connection, which follows the network itself', () => {
    const { network, connect, current, transports } = setup('document')
    connect()
    current().handlers!.onOpen()
    network.set(false)
    network.set(true)
    expect(transports).toHaveLength(1)
    expect(transports[0]!.closed).toBe(false)
  })

  it('adds watched patterns to the subscription and calls only their watchers', () => {
    const { feed, got, connect, current } = setup()
    const rooms: number[] = []
    connect()
    current().handlers!.onOpen()
    const stop = feed.watch('room:*', (m) => rooms.push(m.id))
    expect(current().sent.at(-1)).toEqual({ type: 'subscribe', channels: ['room:*'] })
    current().deliver(message(1, 'room:notes'))
    current().deliver(message(2, 'broadcast'))
    expect(rooms).toEqual([1])
    expect(got.map((m) => m.id)).toEqual([1, 2])
    stop()
    expect(current().sent.at(-1)).toEqual({ type: 'unsubscribe', channels: ['room:*'] })
  })

  it('includes patterns watched before connecting in the first subscription', () => {
    const { feed, connect, current } = setup()
    feed.watch('room:*', () => {})
    connect()
    current().handlers!.onOpen()
    expect(current().sent).toEqual([{ type: 'subscribe', channels: ['broadcast', 'room:*'] }])
  })

  it('reports channels whose missed history is partly gone', () => {
    const { feed, connect, current } = setup()
    const gaps: string[] = []
    feed.onGap((channel) => gaps.push(channel))
    connect()
    current().handlers!.onOpen()
    current().deliver({ type: 'gap', channel: 'broadcast' })
    expect(gaps).toEqual(['broadcast'])
  })

  it('stays closed after pause until resume, then continues after the last id', () => {
    const { feed, connect, current, transports } = setup()
    connect()
    current().handlers!.onOpen()
    current().deliver(message(3))
    feed.pause()
    expect(transports[0]!.closed).toBe(true)
    feed.resume()
    current().handlers!.onOpen()
    expect(current().sent).toEqual([{ type: 'subscribe', channels: ['broadcast'], since: 3 }])
  })
})

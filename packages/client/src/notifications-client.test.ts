import type { ClientChannelFrame, ServerChannelFrame } from '@tandem/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'

import type { ChannelTransport, TransportHandlers } from './channel-transports.js'
import { type ChannelMessage, NotificationsClient } from './notifications-client.js'

/** A carrier the test drives by hand. */
class ScriptedTransport implements ChannelTransport {
  readonly kind = 'websocket' as const
  readonly reconnectsItself = false
  handlers: TransportHandlers | null = null
  sent: ClientChannelFrame[] = []
  opens = 0
  open(handlers: TransportHandlers): void {
    this.handlers = handlers
    this.opens++
  }
  send(frame: ClientChannelFrame): boolean {
    this.sent.push(frame)
    return true
  }
  close(): void {
    this.handlers = null
  }
  deliver(frame: ServerChannelFrame): void {
    this.handlers!.onFrame(frame)
  }
}

const message = (id: number, channel = 'c'): ServerChannelFrame => ({ type: 'message', channel, id, data: { id }, ts: 0 })

afterEach(() => vi.useRealTimers())

describe('NotificationsClient', () => {
  it('subscribes on open, then resubscribes with the last id after every reconnect', () => {
    vi.useFakeTimers()
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({ transport, channels: ['a', 'b'], random: () => 0.5 })
    expect(client.status).toBe('connecting')
    transport.handlers!.onOpen()
    expect(transport.sent).toEqual([{ type: 'subscribe', channels: ['a', 'b'] }])
    transport.deliver(message(5, 'a'))
    transport.deliver(message(9, 'b'))

    transport.handlers!.onClose(true)
    expect(client.status).toBe('offline')
    vi.advanceTimersByTime(30_000)
    expect(transport.opens).toBe(2)
    transport.handlers!.onOpen()
    expect(transport.sent.at(-1)).toEqual({ type: 'subscribe', channels: ['a', 'b'], since: 9 })
    client.close()
  })

  it('delivers each message once and in order, dropping replays at or below the last id', () => {
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({ transport, channels: ['c'] })
    const got: ChannelMessage[] = []
    client.onMessage((m) => got.push(m))
    transport.handlers!.onOpen()
    for (const id of [1, 2, 3, 2, 3, 4]) transport.deliver(message(id))
    expect(got.map((m) => m.id)).toEqual([1, 2, 3, 4])
    expect(client.lastId).toBe(4)
  })

  it('reports gaps and error frames', () => {
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({ transport, channels: ['c'] })
    const gaps: string[] = []
    const errors: string[] = []
    client.onGap((channel) => gaps.push(channel))
    client.onError((error) => errors.push(error.code))
    transport.handlers!.onOpen()
    transport.deliver({ type: 'gap', channel: 'c' })
    transport.deliver({ type: 'error', code: 'forbidden', message: 'no' })
    expect(gaps).toEqual(['c'])
    expect(errors).toEqual(['forbidden'])
  })

  it('takes its subscriptions up again from the last id when the server says it fell behind', () => {
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({ transport, channels: ['a'] })
    transport.handlers!.onOpen()
    transport.deliver(message(7, 'a'))
    transport.deliver({ type: 'error', code: 'fell_behind', message: 'subscribe again' })
    expect(transport.opens).toBe(2)
    expect(client.status).toBe('connecting')
    transport.handlers!.onOpen()
    expect(transport.sent.at(-1)).toEqual({ type: 'subscribe', channels: ['a'], since: 7 })
    client.close()
  })

  it('sends subscribe and unsubscribe for changes while live', () => {
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({ transport, channels: ['a'] })
    transport.handlers!.onOpen()
    client.subscribe(['a', 'b'])
    client.unsubscribe(['a', 'zzz'])
    expect(transport.sent.slice(1)).toEqual([
      { type: 'subscribe', channels: ['b'] },
      { type: 'unsubscribe', channels: ['a'] },
    ])
    expect(client.channels).toEqual(['b'])
  })

  it('resumes from a stored id on the very first connect', () => {
    const transport = new ScriptedTransport()
    new NotificationsClient({ transport, channels: ['a'], since: 41 })
    transport.handlers!.onOpen()
    expect(transport.sent).toEqual([{ type: 'subscribe', channels: ['a'], since: 41 }])
  })

  it('spaces reconnect attempts with growing, jittered delays and stops after close', () => {
    vi.useFakeTimers()
    const transport = new ScriptedTransport()
    const client = new NotificationsClient({
      transport,
      channels: ['a'],
      random: () => 1,
      reconnectPolicy: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 },
    })
    transport.handlers!.onClose(false)
    vi.advanceTimersByTime(99)
    expect(transport.opens).toBe(1)
    vi.advanceTimersByTime(1)
    expect(transport.opens).toBe(2)
    transport.handlers!.onClose(false)
    vi.advanceTimersByTime(199)
    expect(transport.opens).toBe(2)
    vi.advanceTimersByTime(1)
    expect(transport.opens).toBe(3)
    client.close()
    vi.advanceTimersByTime(10_000)
    expect(transport.opens).toBe(3)
    expect(client.status).toBe('closed')
  })
})

import type { ServerChannelFrame } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'

import { formatSseComment, formatSseFrame } from './sse-format.js'

/** A parser following the HTML standard's event-stream interpretation (the parts used here). */
function parseEventStream(text: string): Array<{ id: string | null; event: string; data: string }> {
  const events: Array<{ id: string | null; event: string; data: string }> = []
  let data: string[] = []
  let event = 'message'
  let id: string | null = null
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push({ id, event, data: data.join('\n') })
      data = []
      event = 'message'
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    else if (field === 'id' && !value.includes('\u0000')) id = value
  }
  return events
}

describe('SSE framing', () => {
  it('carries a message frame as one event with its id', () => {
    const frame: ServerChannelFrame = { type: 'message', channel: 'news', id: 42, data: { a: 1 }, ts: 5 }
    const events = parseEventStream(formatSseFrame(frame))
    expect(events).toEqual([{ id: '42', event: 'message', data: JSON.stringify(frame) }])
  })

  it('cannot be split or hijacked by hostile payloads', () => {
    const hostile = [
      'line1\nline2',
      'a\r\nevent: evil\r\ndata: injected\r\n\r\n',
      'x\rid: 999\r\r',
      '\u0000nul',
      'sep\u2028\u2029',
      '\n\ndata: {"type":"message","id":1}\n\n',
    ]
    for (const payload of hostile) {
      const frame: ServerChannelFrame = { type: 'message', channel: 'c', id: 7, data: { payload, nested: [payload] }, ts: 1 }
      const events = parseEventStream(formatSseFrame(frame))
      expect(events, JSON.stringify(payload)).toHaveLength(1)
      expect(events[0]!.event).toBe('message')
      expect(events[0]!.id).toBe('7')
      expect(JSON.parse(events[0]!.data)).toEqual(frame)
    }
  })

  it('frames non-message frames without an id, and comments without newlines', () => {
    expect(parseEventStream(formatSseFrame({ type: 'gap', channel: 'c' }))).toEqual([
      { id: null, event: 'message', data: '{"type":"gap","channel":"c"}' },
    ])
    expect(formatSseComment('beat\ndata: x')).toBe(': beat data: x\n\n')
    expect(parseEventStream(formatSseComment('beat\ndata: x'))).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'

import {
  ChannelErrorCode,
  ChannelFrameError,
  channelMatches,
  channelPatternProblem,
  isPrivateChannel,
  isValidChannelName,
  parseClientChannelFrame,
} from './channel.js'

describe('channel names and patterns', () => {
  it('accepts the documented alphabet up to 200 characters', () => {
    for (const name of ['broadcast', 'room:doc-1', 'user:42', 'team@acme#general', 'a.b_c', 'x'.repeat(200)]) {
      expect(isValidChannelName(name), name).toBe(true)
    }
    for (const name of ['', 'x'.repeat(201), 'has space', 'new\nline', 'star*', 'slash/']) {
      expect(isValidChannelName(name), JSON.stringify(name)).toBe(false)
    }
  })

  it('allows a trailing * only after a prefix, and matches by prefix', () => {
    expect(channelPatternProblem('room:*')).toBeNull()
    expect(channelPatternProblem('*')).toMatch(/prefix/)
    expect(channelPatternProblem('ro*m')).toMatch(/may only contain/)
    expect(channelMatches('room:*', 'room:abc')).toBe(true)
    expect(channelMatches('room:*', 'rooms')).toBe(false)
    expect(channelMatches('news', 'news')).toBe(true)
    expect(channelMatches('news', 'newsroom')).toBe(false)
  })

  it('knows the private namespaces, and that lookalikes are not in them', () => {
    for (const name of ['user:42', 'room:notes', 'user:', 'room:']) expect(isPrivateChannel(name), name).toBe(true)
    for (const name of ['user', 'users:42', 'user-news', 'User:42', 'rooms', 'room-list', 'broadcast'])
      expect(isPrivateChannel(name), name).toBe(false)
  })
})

describe('parseClientChannelFrame', () => {
  it('parses subscribe with and without since, and unsubscribe, deduplicating channels', () => {
    expect(parseClientChannelFrame('{"type":"subscribe","channels":["a","a","room:*"]}')).toEqual({
      type: 'subscribe',
      channels: ['a', 'room:*'],
    })
    expect(parseClientChannelFrame('{"type":"subscribe","channels":["a"],"since":12}')).toEqual({
      type: 'subscribe',
      channels: ['a'],
      since: 12,
    })
    expect(parseClientChannelFrame('{"type":"unsubscribe","channels":["a"]}')).toEqual({ type: 'unsubscribe', channels: ['a'] })
  })

  it('refuses malformed frames with a code and a message', () => {
    const cases: Array<[string, string]> = [
      ['not json', ChannelErrorCode.BadFrame],
      ['[1]', ChannelErrorCode.BadFrame],
      ['null', ChannelErrorCode.BadFrame],
      ['{"type":"publish","channels":["a"]}', ChannelErrorCode.BadFrame],
      ['{"type":"subscribe","channels":[]}', ChannelErrorCode.BadFrame],
      ['{"type":"subscribe","channels":"a"}', ChannelErrorCode.BadFrame],
      ['{"type":"subscribe","channels":[1]}', ChannelErrorCode.BadChannel],
      ['{"type":"subscribe","channels":["bad name"]}', ChannelErrorCode.BadChannel],
      ['{"type":"subscribe","channels":["a"],"since":-1}', ChannelErrorCode.BadFrame],
      ['{"type":"subscribe","channels":["a"],"since":1.5}', ChannelErrorCode.BadFrame],
      ['{"type":"subscribe","channels":["a"],"since":"3"}', ChannelErrorCode.BadFrame],
    ]
    for (const [json, code] of cases) {
      let caught: unknown
      try {
        parseClientChannelFrame(json)
      } catch (error) {
        caught = error
      }
      expect(caught, json).toBeInstanceOf(ChannelFrameError)
      expect((caught as ChannelFrameError).code, json).toBe(code)
    }
  })
})

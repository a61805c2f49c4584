import { describe, expect, it } from 'vitest'

import { addressKey, clientAddress } from './client-address.js'

describe('clientAddress', () => {
  it('uses the TCP peer unless a proxy is trusted', () => {
    expect(clientAddress('10.0.0.7', '203.0.113.9', false)).toBe('10.0.0.7')
    expect(clientAddress(undefined, undefined, false)).toBe('unknown')
  })

  it('behind a trusted proxy, takes the last X-Forwarded-For entry (the one the proxy appended)', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', true)).toBe('203.0.113.9')
    // Earlier entries are the client's own claims.
    expect(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9', true)).toBe('203.0.113.9')
    expect(clientAddress('127.0.0.1', ['1.1.1.1', '203.0.113.9'], true)).toBe('203.0.113.9')
    expect(clientAddress('127.0.0.1', '203.0.113.9:5555', true)).toBe('203.0.113.9')
    expect(clientAddress('127.0.0.1', '[2001:db8::1]:443', true)).toBe('2001:db8:0:0::/64')
    // Garbage falls back to the peer rather than becoming a key an attacker can vary at will.
    expect(clientAddress('127.0.0.1', 'not-an-address', true)).toBe('127.0.0.1')
    expect(clientAddress('127.0.0.1', '', true)).toBe('127.0.0.1')
  })

  it('keys IPv6 by /64, so one subscriber cannot dodge the limits by rotating addresses', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002::')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64')
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3')
    expect(addressKey('::1')).toBe('::1')
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1')
  })
})

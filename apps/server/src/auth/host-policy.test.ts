import { describe, expect, it } from 'vitest'

import { hostName, HostPolicy } from './host-policy.js'
import { originAllowed } from './upgrade-guard.js'

describe('HostPolicy', () => {
  it('serves loopback names and IP literals by default, and nothing a rebinding page could name', () => {
    const hosts = new HostPolicy({ enforce: true })
    for (const host of [
      'localhost',
      'localhost:8787',
      'LOCALHOST:8787',
      'app.localhost:5173',
      '127.0.0.1:8787',
      '127.8.9.10',
      '[::1]:8787',
      '192.168.1.20:8787',
      '[2001:db8::1]',
      undefined,
      '',
    ]) {
      expect(hosts.allows(host), String(host)).toBe(true)
    }
    for (const host of [
      'attacker.example',
      'attacker.example:8787',
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      'evil@localhost',
      'localhost/x',
      '[::1',
      '[fe80::1%25eth0]',
      ' ',
    ]) {
      expect(hosts.allows(host), host).toBe(false)
    }
  })

  it('adds PUBLIC_URL and ALLOWED_HOSTS (exact or *.domain); * turns the check off', () => {
    const hosts = new HostPolicy({
      enforce: true,
      publicUrl: 'https://Docs.Example.com/base',
      allowedHosts: ['tandem.internal', '*.corp.example'],
    })
    for (const host of [
      'docs.example.com',
      'docs.example.com:443',
      'docs.example.com.',
      'tandem.internal:8787',
      'a.corp.example',
      'a.b.corp.example',
    ])
      expect(hosts.allows(host), host).toBe(true)
    for (const host of ['example.com', 'corp.example', 'xcorp.example', 'docs.example.com.evil'])
      expect(hosts.allows(host), host).toBe(false)
    expect(new HostPolicy({ enforce: true, allowedHosts: ['*'] }).allows('anything.example')).toBe(true)
    expect(new HostPolicy({ enforce: false }).allows('anything.example')).toBe(true)
  })

  it('reads host names like a browser writes them', () => {
    expect(hostName('Example.COM.:80')).toBe('example.com')
    expect(hostName('[::1]:1')).toBe('[::1]')
    expect(hostName('a b')).toBeNull()
  })
})

describe('originAllowed', () => {
  const hosts = new HostPolicy({ enforce: true })
  it('without an allowlist, needs the same host and a host the server answers to', () => {
    const rules = { allowedOrigins: null, hosts }
    expect(originAllowed(undefined, 'attacker.example', rules)).toBe(true)
    expect(originAllowed('http://localhost:8787', 'localhost:8787', rules)).toBe(true)
    // A rebinding page: Origin and Host agree, and both name the attacker.
    expect(originAllowed('http://attacker.example:8787', 'attacker.example:8787', rules)).toBe(false)
    expect(originAllowed('http://localhost:5173', 'localhost:8787', rules)).toBe(false)
    expect(originAllowed('null', 'localhost:8787', rules)).toBe(false)
  })

  it("accepts PUBLIC_URL's origin even when a proxy rewrote Host, and only listed origins with an allowlist", () => {
    expect(
      originAllowed('https://docs.example.com', '127.0.0.1:8787', {
        allowedOrigins: null,
        hosts,
        publicOrigin: 'https://docs.example.com',
      }),
    ).toBe(true)
    const listed = { allowedOrigins: ['https://app.example.com'], hosts }
    expect(originAllowed('https://app.example.com', '127.0.0.1:8787', listed)).toBe(true)
    expect(originAllowed('http://localhost:8787', 'localhost:8787', listed)).toBe(false)
  })
})

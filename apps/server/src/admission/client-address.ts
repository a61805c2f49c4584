/**
 * Who is connecting, as the per-address limits see it: the TCP peer, or with `TRUST_PROXY` the
 * address the proxy in front appended to `X-Forwarded-For`. IPv6 addresses count per /64 prefix: a
 * subscriber is usually handed a whole /64, so a limit keyed by the full address would limit nobody.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** Groups of an IPv6 address that name its /64 network. */
const PREFIX_GROUPS = 4

/**
 * The key per-address limits count under.
 * @example
 * clientAddress('::ffff:10.0.0.7', undefined, false) // '10.0.0.7'
 * clientAddress('2001:db8::1', undefined, false) // '2001:db8:0:0::/64'
 * clientAddress('127.0.0.1', '203.0.113.9, 10.0.0.2', true) // '10.0.0.2'
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastForwarded(forwardedFor) : null
  return addressKey(forwarded ?? socketAddress ?? 'unknown')
}

/** `address` as a limit key: IPv4 (also IPv4-mapped IPv6) as is, other IPv6 as its /64 network. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!
  if (!isIPv6(address) || address === '::1') return address
  return `${ipv6Groups(address).slice(0, PREFIX_GROUPS).join(':')}::/64`
}

/**
 * The entry the nearest proxy appended. Earlier entries are whatever the client claimed and must not
 * be trusted. Proxies that add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) are understood.
 */
function lastForwarded(header: string | string[] | undefined): string | null {
  const joined = Array.isArray(header) ? header.join(',') : header
  if (!joined) return null
  const last = joined.slice(joined.lastIndexOf(',') + 1).trim()
  if (isIPv4(last) || isIPv6(last)) return last
  const withPort = /^\[([0-9a-f:.]+)\](?::\d+)?$|^(\d+\.\d+\.\d+\.\d+):\d+$/i.exec(last)
  const address = withPort?.[1] ?? withPort?.[2]
  return address && (isIPv4(address) || isIPv6(address)) ? address : null
}

/** The eight groups of a valid IPv6 address, lower case without leading zeros (`::` expanded). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::')
  const count = (part: string): string[] =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]))
  const left = count(head)
  const right = tail === undefined ? [] : count(tail)
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16))
}

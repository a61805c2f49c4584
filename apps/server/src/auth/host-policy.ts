/**
 * Which `Host` names the server answers to, against DNS rebinding. A page on `attacker.example` whose
 * name is re-pointed at 127.0.0.1 becomes same-origin with a local Tandem in the victim's browser: it
 * could read and edit every document of an open-mode server and listen on its channels. Its requests
 * still say `Host: attacker.example`, and `Origin` agrees with it, so comparing the two proves
 * nothing; only a list of names the server is known by does.
 *
 * Allowed: loopback names (`localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`), IP literals (a page
 * cannot rebind an address it does not own), `PUBLIC_URL`'s host, and `ALLOWED_HOSTS`
 * (`docs.example.com`, `*.example.com`, or `*` for any). A request without `Host` is not from a
 * browser and is allowed.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** Options of a {@link HostPolicy}. */
export interface HostPolicyOptions {
  /** Whether the check is on; when off every host is allowed. */
  enforce: boolean
  /** `ALLOWED_HOSTS` entries, lower case: names, `*.suffix` wildcards, or `*`. */
  allowedHosts?: readonly string[] | null
  /** `PUBLIC_URL`, whose host name is allowed. */
  publicUrl?: string | null
}

/** A `Host` header: a name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^(?:([a-z0-9._-]+)|\[([0-9a-f:.]+)\])(?::\d{1,5})?$/i

/**
 * The host name of a `Host` header value, lower case and without a trailing dot, or `null` when the
 * value is not a plain host (userinfo, paths and the like never come from a browser).
 */
export function hostName(header: string): string | null {
  const match = HOST_HEADER.exec(header.trim())
  if (!match) return null
  if (match[2] !== undefined) return isIPv6(match[2]) ? `[${match[2].toLowerCase()}]` : null
  return match[1]!.toLowerCase().replace(/\.$/, '')
}

function isLoopbackOrAddress(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  // Every IP literal: 127.0.0.0/8 and [::1] are loopback, and no page can rebind an address.
  return isIPv4(name) || name.startsWith('[')
}

/** Decides whether a request's `Host` is one this server is known by. */
export class HostPolicy {
  readonly #enforce: boolean
  readonly #exact = new Set<string>()
  readonly #suffixes: string[] = []

  constructor(options: HostPolicyOptions) {
    const entries = options.allowedHosts ?? []
    this.#enforce = options.enforce && !entries.includes('*')
    for (const entry of entries) {
      if (entry.startsWith('*.')) this.#suffixes.push(entry.slice(1))
      else this.#exact.add(entry)
    }
    if (options.publicUrl) this.#exact.add(new URL(options.publicUrl).hostname.toLowerCase())
  }

  /** Whether the check is on. */
  get enforced(): boolean {
    return this.#enforce
  }

  /** Whether a request with `Host: host` may be served. */
  allows(host: string | undefined): boolean {
    if (!this.#enforce || host === undefined || host === '') return true
    const name = hostName(host)
    if (name === null) return false
    return isLoopbackOrAddress(name) || this.#exact.has(name) || this.#suffixes.some((suffix) => name.endsWith(suffix))
  }
}

/** Which close codes a hostile client may be sent, and a tally of the ones it was. */
import { CloseCode, closeCodeName } from '@tandem/protocol'

/**
 * Close codes that mean the server failed rather than refused: an internal error, a storage failure,
 * or no close frame at all (1006, the socket just dropped).
 */
const DROPPED = 1006
const FAILURES = new Set<number>([CloseCode.InternalError, CloseCode.StorageUnavailable, DROPPED])
const DOCUMENTED = new Set<number>(Object.values(CloseCode))
/** Sent by `ws` itself for text frames that are not UTF-8 (RFC 6455 7.4.1); not in Tandem's table. */
const INVALID_PAYLOAD = 1007

/** Counts close codes by name. */
export class CloseTally {
  readonly #counts = new Map<number, number>()

  add(code: number): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1)
  }

  get total(): number {
    return [...this.#counts.values()].reduce((a, b) => a + b, 0)
  }

  /** `MalformedMessage 812, InvalidUpdate 95, ...` */
  toString(): string {
    return (
      [...this.#counts]
        .sort((a, b) => b[1] - a[1])
        .map(
          ([code, count]) =>
            `${code === INVALID_PAYLOAD ? 'InvalidPayload(1007)' : code === DROPPED ? 'dropped(1006)' : closeCodeName(code)} ${count}`,
        )
        .join(', ') || 'none'
    )
  }

  /**
   * Throw if any connection was closed with a code that is not a documented refusal. `allowDropped`
   * accepts 1006 (no close frame seen): when a server closes a TCP connection that still has unread
   * bytes from the client, the kernel sends a reset, which can discard the close frame in flight.
   * Raw-frame attacks keep writing while the server closes, so there it is expected.
   */
  assertOnlyRefusals(options: { allowDropped?: boolean } = {}): void {
    const failures = new Set(FAILURES)
    if (options.allowDropped) failures.delete(DROPPED)
    const bad = [...this.#counts.keys()].filter(
      (code) => failures.has(code) || (!DOCUMENTED.has(code) && code !== INVALID_PAYLOAD && code !== DROPPED),
    )
    if (bad.length > 0)
      throw new Error(
        `connections were closed with ${bad.map((code) => `${code} (${closeCodeName(code)})`).join(', ')}: ${this.toString()}`,
      )
  }
}

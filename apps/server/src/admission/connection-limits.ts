/**
 * Limits on who may hold how many long-lived connections: WebSockets (documents and `/api/events`)
 * and SSE streams per client address, admissions in progress server-wide, and rooms brought into
 * memory per address and minute. Refusals are {@link AdmissionError}s with status 429, answered
 * before anything is upgraded or streamed. The bookkeeping is bounded too: an address is forgotten
 * as soon as it holds nothing, and rate windows older than a minute are dropped.
 */
import { AdmissionError } from '../auth/upgrade-guard.js'

/**
 * Something held until `release()`; releasing twice is harmless, so every exit path may call it.
 * `release` needs no `this`: it may be handed to a socket as its `close` listener.
 */
export interface Slot {
  release(this: void): void
}

/** Options of {@link ConnectionLimits}; see the config variables of the same names. */
export interface ConnectionLimitsOptions {
  /** `MAX_CONNECTIONS_PER_ADDRESS`: document and event WebSockets plus SSE streams. */
  maxConnectionsPerAddress: number
  /** `MAX_PENDING_UPGRADES`: connections awaiting admission or their room's load, server-wide. */
  maxPendingUpgrades: number
  /** `MAX_NEW_ROOMS_PER_MINUTE`: rooms not in memory that one address may open per minute. */
  maxNewRoomsPerMinute: number
  /** `MAX_UPLOADS_PER_MINUTE`: images one address may upload per minute (each at most `MAX_IMAGE_BYTES`). */
  maxUploadsPerMinute?: number
  /** Clock, for tests. */
  now?: () => number
}

const MINUTE_MS = 60_000

/** Concurrent holders per key, up to `max` each. Keys holding nothing are deleted. */
export class SlotsPerKey {
  readonly #counts = new Map<string, number>()
  constructor(readonly max: number) {}

  /** A slot of `key`, or `null` when it holds `max` already. */
  take(key: string): Slot | null {
    const held = this.#counts.get(key) ?? 0
    if (held >= this.max) return null
    this.#counts.set(key, held + 1)
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        const left = (this.#counts.get(key) ?? 1) - 1
        if (left > 0) this.#counts.set(key, left)
        else this.#counts.delete(key)
      },
    }
  }

  /** Slots `key` holds. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0
  }

  /** Keys holding at least one slot. */
  get keys(): number {
    return this.#counts.size
  }

  /** Slots held in all. */
  get total(): number {
    let total = 0
    for (const count of this.#counts.values()) total += count
    return total
  }
}

/**
 * At most `max` events per key in any `windowMs`, exactly (a log of times, not a bucket). Each key keeps
 * at most `max` times, and a sweep at most once a window drops keys whose times have all aged out.
 */
class SlidingWindow {
  readonly #times = new Map<string, number[]>()
  #lastSweep: number

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly now: () => number,
  ) {
    this.#lastSweep = now()
  }

  take(key: string): boolean {
    const now = this.now()
    if (now - this.#lastSweep >= this.windowMs) this.#sweep(now)
    const times = (this.#times.get(key) ?? []).filter((time) => now - time < this.windowMs)
    if (times.length >= this.max) {
      this.#times.set(key, times)
      return false
    }
    times.push(now)
    this.#times.set(key, times)
    return true
  }

  get keys(): number {
    return this.#times.size
  }

  #sweep(now: number): void {
    this.#lastSweep = now
    for (const [key, times] of this.#times) {
      if (now - times[times.length - 1]! >= this.windowMs) this.#times.delete(key)
    }
  }
}

/** The admission limits of one server. */
export class ConnectionLimits {
  readonly #perAddress: SlotsPerKey
  readonly #pending: SlotsPerKey
  readonly #newRooms: SlidingWindow
  readonly #uploads: SlidingWindow

  constructor(options: ConnectionLimitsOptions) {
    this.#perAddress = new SlotsPerKey(options.maxConnectionsPerAddress)
    this.#pending = new SlotsPerKey(options.maxPendingUpgrades)
    this.#newRooms = new SlidingWindow(options.maxNewRoomsPerMinute, MINUTE_MS, options.now ?? Date.now)
    this.#uploads = new SlidingWindow(options.maxUploadsPerMinute ?? 20, MINUTE_MS, options.now ?? Date.now)
  }

  /**
   * One connection of `address`, held until the connection ends.
   * @throws {AdmissionError} 429 `too_many_connections` when the address holds its maximum.
   */
  connection(address: string): Slot {
    const slot = this.#perAddress.take(address)
    if (slot) return slot
    throw new AdmissionError(
      429,
      'too_many_connections',
      `at most ${this.#perAddress.max} connections per client address; close some before opening more`,
    )
  }

  /**
   * One admission in progress (token check, authorization webhook, room load), held until it is decided.
   * @throws {AdmissionError} 429 `server_busy` when the server is already admitting its maximum.
   */
  admission(): Slot {
    const slot = this.#pending.take('')
    if (slot) return slot
    throw new AdmissionError(429, 'server_busy', 'the server is admitting too many connections at once; retry shortly')
  }

  /**
   * Count one room brought into memory for `address`.
   * @throws {AdmissionError} 429 `too_many_new_rooms` past the per-minute allowance.
   */
  openRoom(address: string): void {
    if (this.#newRooms.take(address)) return
    throw new AdmissionError(
      429,
      'too_many_new_rooms',
      `at most ${this.#newRooms.max} rooms not already open per minute per client address; retry later`,
    )
  }

  /**
   * Count one image upload from `address`: what bounds how fast one client can fill the disk.
   * @throws {AdmissionError} 429 `too_many_uploads` past the per-minute allowance.
   */
  upload(address: string): void {
    if (this.#uploads.take(address)) return
    throw new AdmissionError(429, 'too_many_uploads', `at most ${this.#uploads.max} images per minute per client address; retry later`)
  }

  /** Connections `address` holds now. */
  connectionsOf(address: string): number {
    return this.#perAddress.count(address)
  }

  /** What the limits hold, to show they free what they no longer need. */
  get usage(): { addresses: number; connections: number; admissions: number; rateWindows: number } {
    return {
      addresses: this.#perAddress.keys,
      connections: this.#perAddress.total,
      admissions: this.#pending.total,
      rateWindows: this.#newRooms.keys,
    }
  }
}

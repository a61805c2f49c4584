/**
 * What one connection may make the server decode: frames and bytes per second, and frames the server
 * had to refuse per minute. Each is a token bucket, so bursts pass and a steady flood does not; the
 * connection that runs one dry is closed with `RateLimited` (4429) before its frame is decoded.
 */
import { CloseCode } from '@tandem/protocol'

import { ConnectionError } from '../errors.js'
import { TokenBucket } from '../token-bucket.js'

/** Limits of an {@link InboundBudget}. */
export interface InboundLimits {
  messagesPerSecond: number
  bytesPerSecond: number
  /** Refused frames per minute. */
  rejectedPerMinute: number
  /** The largest frame the socket accepts: a fresh budget always has room for one. */
  maxFrameBytes: number
}

/** One connection's budget. Charge every frame before decoding it. */
export class InboundBudget {
  readonly #limits: InboundLimits
  readonly #messages: TokenBucket
  readonly #bytes: TokenBucket
  readonly #rejected: TokenBucket

  constructor(limits: InboundLimits, now: number = performance.now()) {
    this.#limits = limits
    this.#messages = new TokenBucket(2 * limits.messagesPerSecond, limits.messagesPerSecond, now)
    // Bytes burst to one second's worth (or one largest frame), not two: a burst of bytes is decode work
    // done in one go, and awareness JSON costs ~25 ms per MiB.
    this.#bytes = new TokenBucket(Math.max(limits.bytesPerSecond, limits.maxFrameBytes), limits.bytesPerSecond, now)
    this.#rejected = new TokenBucket(limits.rejectedPerMinute, limits.rejectedPerMinute / 60, now)
  }

  /**
   * Account for one inbound frame of `bytes`.
   * @throws {ConnectionError} `RateLimited` when the connection is over its frame or byte budget.
   */
  charge(bytes: number, now: number = performance.now()): void {
    if (!this.#messages.take(1, now)) {
      throw new ConnectionError(CloseCode.RateLimited, `more than ${this.#limits.messagesPerSecond} messages per second`)
    }
    if (!this.#bytes.take(bytes, now)) {
      throw new ConnectionError(CloseCode.RateLimited, `more than ${this.#limits.bytesPerSecond} bytes per second`)
    }
  }

  /** Give back what {@link charge} took for a frame the server provoked (an awareness echo). */
  refund(bytes: number): void {
    this.#messages.give(1)
    this.#bytes.give(bytes)
  }

  /**
   * Account for a frame the server refused (wholly or in part).
   * @throws {ConnectionError} `RateLimited` when the connection keeps sending what is refused.
   */
  refused(now: number = performance.now()): void {
    if (!this.#rejected.take(1, now)) {
      throw new ConnectionError(CloseCode.RateLimited, `more than ${this.#limits.rejectedPerMinute} refused messages per minute`)
    }
  }
}

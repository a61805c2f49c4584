/**
 * The storage contract for notification channels: an append-only, retention-trimmed message log with
 * server-wide increasing ids, plus idempotency keys for publishers. Every implementation passes the
 * shared suite in `message-store.contract.ts`.
 */

import type { ChannelMessage } from '@tandem/protocol'

export type { ChannelMessage }

/** How much history a channel keeps. */
export interface RetentionPolicy {
  maxMessages: number
  maxAgeMs: number
}

/** Channels to read: exact names and name prefixes (a pattern `room:*` is the prefix `room:`). */
export interface ChannelSelector {
  names: string[]
  prefixes: string[]
}

/** The outcome of an append. */
export interface AppendOutcome {
  /** The messages stored, one per channel; for a repeated idempotency key, the ones stored the first time. */
  messages: ChannelMessage[]
  /** Whether the idempotency key had been used already, so nothing was stored now. */
  duplicate: boolean
  /**
   * Present when the messages are committed (a crash of the process loses none) but may not yet
   * survive a power cut: resolves once they do, rejects if the disk failed. Until then `since` does
   * not return them.
   */
  durable?: Promise<void>
}

/** Where channel messages live. */
export interface MessageStore {
  /**
   * Store `data` (JSON text) on each channel, atomically, with increasing ids in channel order.
   * With `idempotency`, a key seen before on the same set of channels (see {@link idempotencyScope})
   * and not yet expired returns the earlier messages instead; on other channels it is a new key.
   */
  append(channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }): Promise<AppendOutcome>
  /**
   * Messages on the selected channels with an id above `afterId`, oldest first, at most `limit`, and
   * with `maxBytes` no more than the one whose data (as JSON text, in characters) reaches that many:
   * a page of a replay stays small however large its messages are, and holds at least one.
   */
  since(selector: ChannelSelector, afterId: number, limit: number, maxBytes?: number): Promise<ChannelMessage[]>
  /**
   * The selected channels whose retention already deleted messages with an id above `afterId`, sorted.
   * A channel whose messages are all gone may be forgotten by name; for those the store keeps one
   * floor (the highest id deleted with any forgotten channel): below it, every selected name it no
   * longer knows, and every selected prefix as its pattern (`room:*`), is reported too.
   */
  gaps(selector: ChannelSelector, afterId: number): Promise<string[]>
  /**
   * Apply retention to `channel` (or to every channel when `null`), forget channels left without
   * messages, and drop expired idempotency keys. Resolves the number of messages deleted.
   */
  prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number>
  /** Release the store. */
  close(): Promise<void>
}

/**
 * The set of channels an idempotency key is scoped to: the same key on other channels is another key.
 * Order does not matter (`["b","a"]` and `["a","b"]` are one scope).
 */
export function idempotencyScope(channels: readonly string[]): string {
  return JSON.stringify([...new Set(channels)].sort())
}

/** Split subscription patterns into a {@link ChannelSelector}. */
export function selectorFor(patterns: readonly string[]): ChannelSelector {
  const selector: ChannelSelector = { names: [], prefixes: [] }
  for (const pattern of patterns) {
    if (pattern.endsWith('*')) selector.prefixes.push(pattern.slice(0, -1))
    else selector.names.push(pattern)
  }
  return selector
}

/** Whether `channel` is among the selection. */
export function selects(selector: ChannelSelector, channel: string): boolean {
  return selector.names.includes(channel) || selector.prefixes.some((prefix) => channel.startsWith(prefix))
}

/**
 * The gaps to report past retention's floor of forgotten channels: the channels known to have gaps,
 * every selected name the store no longer knows (`unknownNames`), and every selected prefix as its
 * pattern, once each, sorted. See {@link MessageStore.gaps}.
 */
export function gapsPastForgotten(gapped: readonly string[], unknownNames: readonly string[], selector: ChannelSelector): string[] {
  return [...new Set([...gapped, ...unknownNames, ...selector.prefixes.map((prefix) => `${prefix}*`)])].sort()
}

/** A {@link MessageStore} in process memory, for tests. */
import {
  type AppendOutcome,
  type ChannelMessage,
  type ChannelSelector,
  gapsPastForgotten,
  idempotencyScope,
  type MessageStore,
  type RetentionPolicy,
  selects,
} from './message-store.js'

/** Keeps channel messages in arrays; ids continue across retention like the SQLite store's. */
export class MemoryMessageStore implements MessageStore {
  #messages: ChannelMessage[] = []
  /** Channels that have messages (or had them and were not forgotten yet), with their retention floor. */
  readonly #prunedThrough = new Map<string, number>()
  /** Highest floor of any channel forgotten because retention left it empty. */
  #forgottenThrough = 0
  readonly #idempotency = new Map<string, { messages: ChannelMessage[]; expiresAt: number }>()
  #lastId = 0

  async append(channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }): Promise<AppendOutcome> {
    const key = idempotency ? `${idempotencyScope(channels)}\u0000${idempotency.key}` : null
    if (key !== null) {
      const seen = this.#idempotency.get(key)
      if (seen && seen.expiresAt > ts) return { messages: structuredClone(seen.messages), duplicate: true }
    }
    const data: unknown = JSON.parse(dataJson)
    const messages = channels.map((channel) => ({ id: ++this.#lastId, channel, data: structuredClone(data), ts }))
    this.#messages.push(...messages)
    for (const channel of channels) if (!this.#prunedThrough.has(channel)) this.#prunedThrough.set(channel, this.#forgottenThrough)
    if (key !== null) this.#idempotency.set(key, { messages: structuredClone(messages), expiresAt: idempotency!.expiresAt })
    return { messages: structuredClone(messages), duplicate: false }
  }

  async since(selector: ChannelSelector, afterId: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<ChannelMessage[]> {
    const page: ChannelMessage[] = []
    let bytes = 0
    for (const message of this.#messages) {
      if (page.length >= limit || bytes >= maxBytes) break
      if (message.id <= afterId || !selects(selector, message.channel)) continue
      page.push(message)
      bytes += JSON.stringify(message.data).length
    }
    return structuredClone(page)
  }

  async gaps(selector: ChannelSelector, afterId: number): Promise<string[]> {
    const gapped = [...this.#prunedThrough]
      .filter(([channel, through]) => through > afterId && selects(selector, channel))
      .map(([channel]) => channel)
    if (afterId >= this.#forgottenThrough) return gapped.sort()
    return gapsPastForgotten(
      gapped,
      selector.names.filter((name) => !this.#prunedThrough.has(name)),
      selector,
    )
  }

  async prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    const channels = channel === null ? [...this.#prunedThrough.keys()] : [channel]
    let deleted = 0
    for (const name of channels) {
      const policy = policyFor(name)
      const own = this.#messages.filter((m) => m.channel === name)
      const excess = Math.max(0, own.length - policy.maxMessages)
      const doomed = new Set(own.filter((m, i) => i < excess || m.ts < now - policy.maxAgeMs).map((m) => m.id))
      if (doomed.size > 0) {
        this.#prunedThrough.set(name, Math.max(this.#prunedThrough.get(name) ?? 0, ...doomed))
        this.#messages = this.#messages.filter((m) => !doomed.has(m.id))
        deleted += doomed.size
      }
      if (own.length === doomed.size && this.#prunedThrough.has(name)) {
        this.#forgottenThrough = Math.max(this.#forgottenThrough, this.#prunedThrough.get(name)!)
        this.#prunedThrough.delete(name)
      }
    }
    for (const [key, entry] of this.#idempotency) if (entry.expiresAt <= now) this.#idempotency.delete(key)
    return deleted
  }

  async close(): Promise<void> {}
}

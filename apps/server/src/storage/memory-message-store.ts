/** A {@link MessageStore} in process memory, for tests. */
import { type AppendOutcome, type ChannelMessage, type ChannelSelector, type MessageStore, type RetentionPolicy, selects } from './message-store.js'

/** Keeps channel messages in arrays; ids continue across retention like the SQLite store's. */
export class MemoryMessageStore implements MessageStore {
  #messages: ChannelMessage[] = []
  readonly #prunedThrough = new Map<string, number>()
  readonly #idempotency = new Map<string, { messages: ChannelMessage[]; expiresAt: number }>()
  #lastId = 0

  async append(channels: string[], dataJson: string, ts: number, idempotency?: { key: string; expiresAt: number }): Promise<AppendOutcome> {
    if (idempotency) {
      const seen = this.#idempotency.get(idempotency.key)
      if (seen && seen.expiresAt > ts) return { messages: structuredClone(seen.messages), duplicate: true }
    }
    const data: unknown = JSON.parse(dataJson)
    const messages = channels.map((channel) => ({ id: ++this.#lastId, channel, data: structuredClone(data), ts }))
    this.#messages.push(...messages)
    for (const channel of channels) if (!this.#prunedThrough.has(channel)) this.#prunedThrough.set(channel, 0)
    if (idempotency) this.#idempotency.set(idempotency.key, { messages: structuredClone(messages), expiresAt: idempotency.expiresAt })
    return { messages: structuredClone(messages), duplicate: false }
  }

  async since(selector: ChannelSelector, afterId: number, limit: number): Promise<ChannelMessage[]> {
    return structuredClone(this.#messages.filter((m) => m.id > afterId && selects(selector, m.channel)).slice(0, limit))
  }

  async gaps(selector: ChannelSelector, afterId: number): Promise<string[]> {
    return [...this.#prunedThrough]
      .filter(([channel, through]) => through > afterId && selects(selector, channel))
      .map(([channel]) => channel)
      .sort()
  }

  async prune(channel: string | null, policyFor: (channel: string) => RetentionPolicy, now: number): Promise<number> {
    const channels = channel === null ? [...this.#prunedThrough.keys()] : [channel]
    let deleted = 0
    for (const name of channels) {
      const policy = policyFor(name)
      const own = this.#messages.filter((m) => m.channel === name)
      const excess = Math.max(0, own.length - policy.maxMessages)
      const doomed = new Set(own.filter((m, i) => i < excess || m.ts < now - policy.maxAgeMs).map((m) => m.id))
      if (doomed.size === 0) continue
      this.#prunedThrough.set(name, Math.max(this.#prunedThrough.get(name) ?? 0, ...doomed))
      this.#messages = this.#messages.filter((m) => !doomed.has(m.id))
      deleted += doomed.size
    }
    for (const [key, entry] of this.#idempotency) if (entry.expiresAt <= now) this.#idempotency.delete(key)
    return deleted
  }

  async close(): Promise<void> {}
}

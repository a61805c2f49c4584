/** An {@link AuditLog} in process memory, for tests and throwaway servers. */
import { actionMatches, type AuditEntry, type AuditLog, type AuditQuery, type NewAuditEntry } from './audit-log.js'

/** Keeps entries in an array, oldest first. */
export class MemoryAuditLog implements AuditLog {
  readonly #entries: AuditEntry[] = []
  #id = 0

  async record(entry: NewAuditEntry): Promise<void> {
    this.#entries.push({ ...entry, detail: entry.detail && structuredClone(entry.detail), id: ++this.#id })
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const text = query.text?.toLowerCase()
    const found: AuditEntry[] = []
    for (let i = this.#entries.length - 1; i >= 0 && found.length < query.limit; i--) {
      const entry = this.#entries[i]!
      if (query.before !== undefined && entry.id >= query.before) continue
      if (query.action !== undefined && !actionMatches(query.action, entry.action)) continue
      if (text !== undefined && !`${entry.actor}\n${entry.target ?? ''}`.toLowerCase().includes(text)) continue
      found.push(structuredClone(entry))
    }
    return found
  }

  async prune(before: number): Promise<number> {
    const kept = this.#entries.filter((entry) => entry.at >= before)
    const pruned = this.#entries.length - kept.length
    this.#entries.splice(0, this.#entries.length, ...kept)
    return pruned
  }
}

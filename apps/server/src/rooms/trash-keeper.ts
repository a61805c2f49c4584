/**
 * Keeps the trash and the audit log within their retention: at start and then every hour, documents
 * deleted more than `TRASH_RETENTION` ago are purged for good (each recorded in the audit log as
 * `trash.expire` by `system`), and audit entries older than `AUDIT_RETENTION` are pruned. On a
 * cluster every node sweeps; a purge another node made first is not recorded twice.
 */
import type { Logger } from '../logger.js'
import type { AuditLog } from '../storage/audit-log.js'
import type { DocumentStore } from '../storage/document-store.js'

/** How often the keeper sweeps. */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000

/** What the keeper needs. */
export interface TrashKeeperOptions {
  store: Pick<DocumentStore, 'trashList' | 'purge'>
  audit: AuditLog
  /** How long a deleted document stays in the trash; 0 keeps it until purged by hand. */
  trashRetentionMs: number
  /** How long audit entries are kept; 0 keeps them forever. */
  auditRetentionMs: number
  logger: Logger
  intervalMs?: number
  now?: () => number
}

/** What one sweep did. */
export interface Sweep {
  purged: string[]
  auditPruned: number
}

/** Sweeps the trash and the audit log on a timer. */
export class TrashKeeper {
  readonly #options: TrashKeeperOptions
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #sweeping: Promise<Sweep> | undefined

  constructor(options: TrashKeeperOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Sweep now, then every interval. */
  start(): void {
    void this.#sweepLogged()
    this.#timer = setInterval(() => void this.#sweepLogged(), this.#options.intervalMs ?? SWEEP_INTERVAL_MS)
    this.#timer.unref()
  }

  /** Purge what outlived the trash's retention and prune old audit entries; one sweep at a time. */
  sweep(): Promise<Sweep> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined))
    return this.#sweeping
  }

  /** Stop sweeping; resolves once a sweep under way has finished. */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#sweeping?.catch(() => undefined)
  }

  async #sweep(): Promise<Sweep> {
    const { store, audit, trashRetentionMs, auditRetentionMs } = this.#options
    const now = this.#now()
    const purged: string[] = []
    if (trashRetentionMs > 0) {
      const before = now - trashRetentionMs
      for (const entry of await store.trashList()) {
        if (entry.trashedAt > before) continue
        // Only if still in the trash since then: a document restored (or deleted again) meanwhile stays.
        if (!(await store.purge(entry.name, before))) continue
        purged.push(entry.name)
        await audit.record({
          at: this.#now(),
          actor: 'system',
          action: 'trash.expire',
          target: entry.name,
          address: null,
          detail: { trashedAt: entry.trashedAt, trashedBy: entry.trashedBy, bytes: entry.bytes },
        })
      }
    }
    const auditPruned = auditRetentionMs > 0 ? await audit.prune(now - auditRetentionMs) : 0
    return { purged, auditPruned }
  }

  async #sweepLogged(): Promise<void> {
    try {
      const { purged, auditPruned } = await this.sweep()
      if (purged.length > 0 || auditPruned > 0) this.#options.logger.info({ purged, auditPruned }, 'trash and audit log swept')
    } catch (error) {
      this.#options.logger.error({ err: error }, 'sweeping the trash failed; retrying at the next interval')
    }
  }
}

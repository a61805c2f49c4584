/**
 * The audit log: what administrators did (and writers deleting documents), with when, who, to what
 * and from which address. Entries are written once and read newest first, a page at a time; they
 * are pruned by age. Nothing secret goes in: the caller records who acted, never their token.
 */

/** One recorded action. Times are milliseconds since the epoch. */
export interface AuditEntry {
  /** Increasing with every entry; the cursor of a page. */
  id: number
  at: number
  /** Who acted: `admin` (the admin token), `user:<id>`, `anonymous`, `system`. */
  actor: string
  /** What was done, e.g. `room.delete`, `trash.restore`, `token.mint`. */
  action: string
  /** What it was done to (a room, a channel, a user), if anything. */
  target: string | null
  /** The client address it came from, if it came over the network. */
  address: string | null
  /** Further facts worth keeping (never a secret). */
  detail: Record<string, unknown> | null
}

/** An entry to record. */
export type NewAuditEntry = Omit<AuditEntry, 'id'>

/** Which entries to read: newest first, older than `before` (an entry id) when given. */
export interface AuditQuery {
  limit: number
  before?: number
  /** Only entries whose action is this, or starts with it followed by `.` (`room` matches `room.delete`). */
  action?: string
  /** Only entries whose actor or target contains this text (case-insensitive). */
  text?: string
}

/** Where audit entries are kept. Every implementation passes `audit-log.contract.ts`. */
export interface AuditLog {
  record(entry: NewAuditEntry): Promise<void>
  /** Entries matching `query`, newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>
  /** Delete entries recorded before `before` (ms since the epoch); resolves how many. */
  prune(before: number): Promise<number>
}

/** `action` as a query matches it: itself, or a dotted family (`room` for `room.delete`). */
export function actionMatches(pattern: string, action: string): boolean {
  return action === pattern || action.startsWith(`${pattern}.`)
}

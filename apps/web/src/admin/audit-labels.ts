/** How the console words the audit log's actors and actions. */

/** `admin`, `user:<id>`, `anonymous`, `system` in words. */
export function actorLabel(actor: string): string {
  if (actor === 'admin') return 'the administrator'
  if (actor === 'system') return 'retention'
  if (actor === 'anonymous') return 'an anonymous writer'
  return actor.startsWith('user:') ? actor.slice('user:'.length) : actor
}

/** The actions the log records, as the console names them, and the filters it offers. */
export const AUDIT_ACTIONS: ReadonlyArray<{ action: string; label: string }> = [
  { action: 'room.delete', label: 'Deleted' },
  { action: 'trash.restore', label: 'Restored' },
  { action: 'trash.purge', label: 'Purged' },
  { action: 'trash.expire', label: 'Purged at retention' },
  { action: 'broadcast', label: 'Announced' },
  { action: 'token.mint', label: 'Minted a token' },
  { action: 'room.export', label: 'Exported' },
  { action: 'backup', label: 'Backed up' },
]

/** An action in words: its label, or the code itself for one this console does not know. */
export function actionLabel(action: string): string {
  return AUDIT_ACTIONS.find((known) => known.action === action)?.label ?? action
}

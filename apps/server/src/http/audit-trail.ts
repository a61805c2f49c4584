/**
 * Recording what a request did in the audit log: who (`admin` for the admin token, `user:<id>` for a
 * signed-in person, `anonymous` in open mode), what, to what, and from which client address (the
 * proxy's `X-Forwarded-For` with `TRUST_PROXY`). Recorded after the action succeeded; a log that
 * cannot be written is reported in the server log and does not undo or fail the action.
 */
import type { Context } from 'hono'

import type { Identity } from '../auth/identity.js'
import type { Logger } from '../logger.js'
import type { AuditLog } from '../storage/audit-log.js'
import type { AppEnv } from './app-env.js'
import { requestAddress } from './request-address.js'

/** An action to record; the time and address come from the request. */
interface AuditedAction {
  actor: string
  action: string
  target?: string | null
  detail?: Record<string, unknown> | null
}

/** Records the actions of requests. */
export type AuditTrail = (c: Context<AppEnv>, action: AuditedAction) => Promise<void>

/** An {@link AuditTrail} writing to `audit`. */
export function auditTrail(deps: { audit: AuditLog; logger: Logger; trustProxy: boolean }): AuditTrail {
  return async (c, { actor, action, target = null, detail = null }) => {
    // Requests made in-process (`app.request`, tests) come from no address.
    const address = c.env?.incoming ? requestAddress(c, deps.trustProxy) : null
    try {
      await deps.audit.record({ at: Date.now(), actor, action, target, address, detail })
    } catch (error) {
      deps.logger.error({ err: error, actor, action, target }, 'could not record an action in the audit log')
    }
  }
}

/** How `identity` is named in the audit log. */
export function auditActor(identity: Identity): string {
  return identity.kind === 'user' ? `user:${identity.id}` : 'anonymous'
}

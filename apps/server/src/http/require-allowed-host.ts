/** Middleware that refuses HTTP requests for a `Host` the server does not answer to (DNS rebinding). */
import type { MiddlewareHandler } from 'hono'

import { AdmissionError, type UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { AppEnv } from './app-env.js'

/**
 * Answers 403 `host_not_allowed` unless both the `Host` header and the request URL's host (they differ
 * only for absolute-form request targets) are allowed by `guard`'s host policy.
 */
export function requireAllowedHost(guard: UpgradeGuard, onRefused: (host: string) => void = () => {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('host')
    const urlHost = new URL(c.req.url).host
    for (const host of header === undefined ? [urlHost] : [header, urlHost]) {
      try {
        guard.checkHost(host)
      } catch (error) {
        if (!(error instanceof AdmissionError)) throw error
        onRefused(host)
        throw new HttpError(error.status, error.code, error.message)
      }
    }
    await next()
  }
}

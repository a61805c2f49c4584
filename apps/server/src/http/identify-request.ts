/** Middleware that admits an HTTP request like a socket: origin check, then token, then `c.var.identity`. */
import type { MiddlewareHandler } from 'hono'

import { AdmissionError, type UpgradeGuard } from '../auth/upgrade-guard.js'
import { HttpError } from '../errors.js'
import type { AppEnv } from './app-env.js'

/** Sets `identity` on the context, or answers 401/403. */
export function identifyRequest(guard: UpgradeGuard): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      c.set('identity', await guard.identify({ url: new URL(c.req.url), headers: Object.fromEntries(c.req.raw.headers) }))
    } catch (error) {
      throw httpErrorOf(error)
    }
    await next()
  }
}

/** `error` as an HTTP route throws it: an admission refusal becomes the `HttpError` of its status; anything else stays. */
export function httpErrorOf(error: unknown): unknown {
  return error instanceof AdmissionError ? new HttpError(error.status, error.code, error.message) : error
}

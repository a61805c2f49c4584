/** The HTTP error boundary: typed errors become `{ error: { code, message } }` with their status. */
import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'

import { HttpError } from '../errors.js'
import type { Logger } from '../logger.js'

/** An `app.onError` handler that logs unexpected errors once and hides their details from clients. */
export function handleHttpError(logger: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof HttpError) {
      return c.json({ error: { code: error.code, message: error.message } }, error.status)
    }
    if (error instanceof HTTPException) {
      const status = error.status
      if (status === 415) {
        const message = 'unsupported Content-Type: see /api/docs for what this route accepts (application/json for most)'
        return c.json({ error: { code: 'unsupported_media_type', message } }, status)
      }
      return c.json({ error: { code: status === 413 ? 'payload_too_large' : 'bad_request', message: error.message } }, status)
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP handler')
    return c.json({ error: { code: 'internal', message: 'internal server error' } }, 500)
  }
}

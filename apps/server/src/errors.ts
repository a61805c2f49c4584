/**
 * The typed errors of the server. Code deep inside throws these, and each transport translates them
 * at its edge: HTTP routes through `http/error-handler.ts` (a JSON body with the status); sockets
 * close with the error's code (`closeCodeFor`, in `collab/` and `sockets/`); refused upgrades answer
 * an HTTP status before any WebSocket (`collab/reject-upgrade.ts`, `admission/`); and the HTTP
 * middlewares turn admission decisions (`AdmissionError`) into `HttpError`s.
 */
import { CloseCode } from '@tandem/protocol'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** A client broke the protocol or the room cannot serve it: close that connection with `closeCode`. */
export class ConnectionError extends Error {
  override name = 'ConnectionError'
  constructor(
    readonly closeCode: CloseCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** An HTTP request cannot be served as asked: answer `status` with `{ error: { code, message } }`. */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Close code for a connection that failed with `error`: its own code, or InternalError. */
export function closeCodeFor(error: unknown): CloseCode {
  return error instanceof ConnectionError ? error.closeCode : CloseCode.InternalError
}

/** Close reason for a connection that failed with `error`: its own message, or nothing internal. */
export function closeReasonFor(error: unknown): string {
  return error instanceof ConnectionError ? error.message : 'internal error'
}

/**
 * The typed errors of the server. Code deep inside throws these; exactly two boundaries translate
 * them: the HTTP app (`onError`, JSON body) and the socket (close with the code from the table).
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

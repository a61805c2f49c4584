/**
 * The one way a route is declared: `createRoute` with the zod schemas of `@tandem/protocol`, mounted
 * on an {@link apiRouter}. The same schemas validate the request (a failure is a 400 naming each
 * field and what is wrong with it) and describe the route in `/api/openapi.json`.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { apiErrorSchema } from '@tandem/protocol'
import type { z } from 'zod'

import { HttpError } from '../errors.js'
import type { AppEnv } from './app-env.js'

/** `issue` as `field: message`, or the message alone for the whole value. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message).join('; ')
}

/** Error codes of a path parameter that fails validation; any other failure is `bad_request`. */
const PARAM_CODES: Record<string, string> = { room: 'invalid_room_name', channel: 'bad_channel' }

/** A router whose validation failures become `HttpError`s, answered by the app's error handler. */
export function apiRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const [first] = result.error.issues
      const field = first?.path[0]
      const code = result.target === 'param' && typeof field === 'string' ? (PARAM_CODES[field] ?? 'bad_request') : 'bad_request'
      throw new HttpError(400, code, describeIssues(result.error.issues))
    },
  })
}

/** An answer of `schema` as JSON, for a route's `responses`. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } }
}

const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is malformed: the message says which field and why',
  401: 'No valid bearer token',
  403: 'The token does not allow this',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'Unsupported body type',
  429: 'Too many requests or connections from this address',
  503: 'The server is at a limit; retry later',
  507: 'The server stores as many documents as it may (MAX_ROOMS)',
}

/** `{ error: { code, message } }` answers for `statuses`, for a route's `responses`. */
export function errors(...statuses: (keyof typeof ERROR_MEANINGS)[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(apiErrorSchema, ERROR_MEANINGS[status]!)]))
}

/** Security requirement of routes behind the admin token. */
export const ADMIN_SECURITY: Record<string, string[]>[] = [{ adminToken: [] }]

/** Security requirement of routes open in open mode and behind a user token in secure mode. */
export const USER_SECURITY: Record<string, string[]>[] = [{}, { userToken: [] }]

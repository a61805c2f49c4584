/** Validation of a value a route reads itself (a form turned into fields): a zod schema, or a 400 naming each field and why. */
import type { z } from 'zod'

import { HttpError } from '../errors.js'
import { describeIssues } from './api-router.js'

/**
 * `value` parsed by `schema`.
 * @throws {HttpError} 400 `bad_request` listing each problem as `field: message`.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new HttpError(400, 'bad_request', describeIssues(result.error.issues))
}

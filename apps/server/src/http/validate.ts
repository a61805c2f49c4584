/** Request validation for routes: a zod schema, or a 400 that says which field is wrong and why. */
import type { z } from 'zod'

import { HttpError } from '../errors.js'

/**
 * `value` parsed by `schema`.
 * @throws {HttpError} 400 `bad_request` listing each problem as `field: message`.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message)
  throw new HttpError(400, 'bad_request', problems.join('; '))
}

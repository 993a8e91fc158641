import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import { z } from 'zod'
import { ApiError } from './api-error.ts'

/** Longest key accepted, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

const utf8 = new TextEncoder()

/** Any non-empty string of at most 1024 UTF-8 bytes: opaque, whatever characters it holds. */
export const keySchema = z
  .string({ error: 'The key must be a string.' })
  .min(1, 'The key must not be empty.')
  .refine((key) => key.length <= MAX_KEY_BYTES && utf8.encode(key).length <= MAX_KEY_BYTES, `The key must be at most ${MAX_KEY_BYTES} bytes of UTF-8.`)

export const valueSchema = z.string({ error: 'The value must be a string.' })

/** Checks a part of the request with zod; a failure becomes one 400 through `app.onError`. */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0]
      const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : ''
      throw new ApiError(400, 'invalid_request', `${issue?.message ?? 'The request is invalid.'}${where}`, { cause: result.error })
    }
  })
}

/** Throws the contract's 400 for a key that fails `keySchema`. */
export function checkKey(key: unknown): string {
  const result = keySchema.safeParse(key)
  if (!result.success) throw new ApiError(400, 'invalid_key', result.error.issues[0]!.message)
  return result.data
}

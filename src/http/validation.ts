import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import { z } from 'zod'
import { ApiError } from './api-error.ts'
import { readJsonText, requireJson } from './read-body.ts'
import { translateRefusal } from './translate-refusal.ts'
import { isErrorCode, type ErrorCode } from './error-codes.ts'

/** Longest key accepted, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

const utf8 = new TextEncoder()

/** Any non-empty string of at most 1024 UTF-8 bytes: opaque, whatever characters it holds. */
export const keySchema = z
  .string({ error: 'The key must be a string.' })
  .min(1, 'The key must not be empty.')
  .refine((key) => key.length <= MAX_KEY_BYTES && utf8.encode(key).length <= MAX_KEY_BYTES, `The key must be at most ${MAX_KEY_BYTES} bytes of UTF-8.`)
  // A lone surrogate has no UTF-8 form: Redis would store U+FFFD and the key would not round-trip.
  .refine((key) => key.isWellFormed(), 'The key must be valid Unicode (no lone surrogate \\uD800-\\uDFFF escapes).')

export const valueSchema = z
  .string({ error: 'The value must be a string.' })
  .refine((value) => value.isWellFormed(), 'The value must be valid Unicode (no lone surrogate \\uD800-\\uDFFF escapes).')

/** The stable code of a failed field: `invalid_<field>` (`invalid_value`, `invalid_ttl`…), `invalid_body` for the whole. */
export function codeOfIssue(issue: z.core.$ZodIssue | undefined): ErrorCode {
  const field = issue?.path[0]
  const code = typeof field === 'string' ? `invalid_${field}` : ''
  return isErrorCode(code) ? code : 'invalid_body'
}

/**
 * Checks a part of the request with zod; a failure becomes one 400 through `app.onError`.
 * For a JSON body, a wrong Content-Type is a 415 and unparsable JSON an `invalid_json` 400
 * (zValidator alone would check `{}` against the schema, or answer a generic 400).
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  const check = zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0]
      throw new ApiError(400, codeOfIssue(issue), issue?.message ?? 'The request is invalid.', { cause: result.error })
    }
  })
  if (target !== 'json') return check
  const parseJson = translateRefusal(check, 400, (refusal) => new ApiError(400, 'invalid_json', 'The body is not valid JSON.', { cause: refusal }))
  const checkJson: typeof check = async (c, next) => {
    requireJson(c)
    await readJsonText(c)
    return parseJson(c, next)
  }
  return checkJson
}

/** Throws the contract's 400 for a key that fails `keySchema`. */
export function checkKey(key: unknown): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short, well-formed keys (the usual ones) need no encoding
  // to be sure; any other key gets the whole schema.
  if (typeof key === 'string' && key.length > 0 && key.length * 3 <= MAX_KEY_BYTES && key.isWellFormed()) return key
  const result = keySchema.safeParse(key)
  if (!result.success) throw new ApiError(400, 'invalid_key', result.error.issues[0]!.message)
  return result.data
}

/** Throws the contract's 400 for a value that is not a string (or not valid Unicode). */
export function checkValue(value: unknown, key?: string): string {
  const result = valueSchema.safeParse(value)
  if (!result.success) {
    const where = key === undefined ? '' : ` (key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)})`
    throw new ApiError(400, 'invalid_value', `${result.error.issues[0]!.message}${where}`)
  }
  return result.data
}

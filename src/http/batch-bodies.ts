import type { Value } from '../cache/value.ts'
import { ApiError } from './api-error.ts'
import { MAX_BATCH_SIZE, mgetBody, msetBody } from './api-schemas.ts'
import { checkKey, checkValue, codeOfIssue } from './validation.ts'
import { decodedValue } from './value-encoding.ts'
import { checkValueSize } from './value-limit.ts'

const isObject = (body: unknown): body is Record<string, unknown> => typeof body === 'object' && body !== null && !Array.isArray(body)

/** Checks the envelope with the route's zod schema once the items passed their own checks (which name the item). */
function checkEnvelope(schema: typeof mgetBody | typeof msetBody, body: unknown): void {
  const result = schema.safeParse(body)
  if (result.success) return
  const issue = result.error.issues[0]
  throw new ApiError(400, codeOfIssue(issue), issue?.message ?? 'The body is invalid.', { cause: result.error })
}

/**
 * The keys of a `POST /v1/mget` body, in order. The count is checked before any key, so a huge body
 * costs no more than its JSON parse.
 */
export function parseMgetBody(body: unknown): string[] {
  if (!isObject(body) || !Array.isArray(body.keys)) throw new ApiError(400, 'invalid_body', 'The body must be a JSON object: {"keys": [key, …]}.')
  const keys: unknown[] = body.keys
  if (keys.length === 0) throw new ApiError(400, 'no_keys', 'The body must name at least one key.')
  if (keys.length > MAX_BATCH_SIZE) throw new ApiError(413, 'too_many_keys', `The body names ${keys.length} keys; send at most ${MAX_BATCH_SIZE} per request.`)
  keys.forEach((key, index) => withPlace(`keys[${index}]`, () => checkKey(key)))
  checkEnvelope(mgetBody, body)
  return keys as string[]
}

export interface MsetRequest {
  readonly pairs: [string, Value][]
  readonly ttl: number | undefined
}

/** The pairs (decoded) and ttl of a `POST /v1/mset` body, every one checked before anything is written. */
export function parseMsetBody(body: unknown, maxValueBytes: number): MsetRequest {
  if (!isObject(body) || !isObject(body.pairs)) {
    throw new ApiError(400, 'invalid_body', 'The body must be a JSON object: {"pairs": {"key": value, …}, "encoding"?: "base64", "ttl"?: seconds}.')
  }
  // Object.entries, not zod's record: JSON.parse makes "__proto__" an own key, and it is a key like any other.
  const entries = Object.entries(body.pairs)
  if (entries.length === 0) throw new ApiError(400, 'no_pairs', 'The body must hold at least one "key": value pair.')
  if (entries.length > MAX_BATCH_SIZE) throw new ApiError(413, 'too_many_pairs', `The body holds ${entries.length} pairs; send at most ${MAX_BATCH_SIZE} per request.`)
  for (const [key, value] of entries) {
    checkKey(key)
    checkValue(value, key)
  }
  checkEnvelope(msetBody, body)
  const { encoding, ttl } = body as { encoding?: 'utf8' | 'base64'; ttl?: number }
  const pairs = entries.map(([key, sent]): [string, Value] => {
    const value = withPlace(`pairs[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`, () => decodedValue(sent as string, encoding))
    checkValueSize(value, maxValueBytes)
    return [key, value]
  })
  return { pairs, ttl }
}

/** Runs a check; its refusal's message says which item of the batch failed. */
function withPlace<T>(place: string, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (error instanceof ApiError) throw new ApiError(error.status, error.code, `${place}: ${error.message}`, { cause: error })
    throw error
  }
}

import { bodyLimit } from 'hono/body-limit'
import type { MiddlewareHandler } from 'hono'
import { ApiError } from './api-error.ts'

/** Room for the JSON or form encoding around a value: field names, quotes, other pairs. */
const ENVELOPE_BYTES = 64 * 1024

/**
 * The largest body accepted for a value of at most `maxValueBytes`. Encoding can grow a value
 * that fits: form posts percent-encode non-ASCII bytes (×3), JSON escapes quotes and backslashes (×2).
 */
export function maxBodyBytesFor(maxValueBytes: number): number {
  return maxValueBytes * 3 + ENVELOPE_BYTES
}

/**
 * Hono's bodyLimit with the contract's 413: refuses a declared Content-Length over the limit
 * before reading anything, and stops reading a chunked body as soon as it passes the limit.
 */
export function requestBodyLimit({ maxValueBytes }: { maxValueBytes: number }): MiddlewareHandler {
  const maxSize = maxBodyBytesFor(maxValueBytes)
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, 'body_too_large', `The body is larger than the ${maxSize} bytes allowed (values up to ${maxValueBytes} bytes).`)
    },
  })
}

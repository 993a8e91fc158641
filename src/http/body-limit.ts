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
 * The contract's 413 for bodies over the limit: a declared Content-Length over it is refused before
 * anything is read; a chunked body (no length) is read through Hono's bodyLimit, which stops as soon
 * as it passes the limit.
 *
 * The length is read from the headers, not by asking Hono's middleware: it tests `request.body`
 * first, and on Node that getter turns @hono/node-server's lightweight request into a full undici
 * Request with a web stream over the socket, which then reads the body ~5× slower than its own
 * direct read (a PUT's CPU on Node, see bench/ab.ts put).
 */
export function requestBodyLimit({ maxValueBytes }: { maxValueBytes: number }): MiddlewareHandler {
  const maxSize = maxBodyBytesFor(maxValueBytes)
  const refuse = () => {
    throw new ApiError(413, 'body_too_large', `The body is larger than the ${maxSize} bytes allowed (values up to ${maxValueBytes} bytes).`)
  }
  const readingChunked = bodyLimit({ maxSize, onError: refuse })
  return function requestBodyLimit(c, next) {
    const length = c.req.header('content-length')
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return readingChunked(c, next)
    return Number(length) > maxSize ? refuse() : next()
  }
}

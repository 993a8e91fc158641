import type { Context } from 'hono'
import { ApiError } from './api-error.ts'
import { checkKey } from './validation.ts'

const malformed = () =>
  new ApiError(400, 'invalid_key', 'The key is not valid percent-encoded UTF-8; encode it with encodeURIComponent.')

/** Hono keeps a malformed %-sequence as is; only a key that still holds `%` can be such a case. */
function assertDecodes(raw: string, plusIsSpace: boolean): void {
  try {
    decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw)
  } catch {
    throw malformed()
  }
}

/** The key named by the `:key` path segment, checked; `tail` is what the route has after it (`/ttl`). */
export function pathKey(c: Context, tail = ''): string {
  const key = c.req.param('key') ?? ''
  if (key.includes('%')) {
    const url = c.req.url
    const start = url.indexOf('/', url.indexOf('//') + 2)
    const end = url.search(/[?#]/)
    const path = url.slice(start, (end === -1 ? url.length : end) - tail.length)
    assertDecodes(path.slice(path.lastIndexOf('/') + 1), false)
  }
  return checkKey(key)
}

/**
 * The key named by `?key=`, checked, or undefined when the query has none. Given twice it is
 * refused rather than guessed: a cache in front could read one and the proxy the other.
 */
export function queryKey(c: Context): string | undefined {
  const key = c.req.query('key')
  if (key === undefined) return undefined
  const url = c.req.url
  const query = url.slice(url.indexOf('?') + 1)
  // Cheap test first: the full parse runs only when `key=` may occur twice.
  if (query.indexOf('key', query.indexOf('key') + 3) !== -1 && c.req.queries('key')!.length > 1) {
    throw new ApiError(400, 'ambiguous_key', 'Give ?key= once; the query names several keys.')
  }
  if (key.includes('%')) {
    const raw = /(?:^|&)key=([^&#]*)/.exec(query)?.[1] ?? ''
    assertDecodes(raw, true)
  }
  return checkKey(key)
}

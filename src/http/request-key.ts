import type { Context } from 'hono'
import { ApiError } from './api-error.ts'
import type { AppEnv } from './app-env.ts'
import { checkKey } from './validation.ts'

const malformed = () =>
  new ApiError(400, 'invalid_key', 'The key is not valid percent-encoded UTF-8; encode it with encodeURIComponent.')

/**
 * Bun's parser turns bytes of a request target that are not UTF-8 into U+FFFD, so in a URL that
 * character cannot be told from them: two different byte sequences would land on one key. Refused
 * on both runtimes alike; such a key travels in a body (`POST /set`, the form).
 */
function refuseReplacementCharacter(key: string): string {
  if (key.includes('\uFFFD')) {
    throw new ApiError(400, 'invalid_key', 'A key in a URL must not hold U+FFFD (it stands for bytes that are not UTF-8); send it in a JSON body or the form.')
  }
  return key
}

/** Hono keeps a malformed %-sequence as is; only a key that still holds `%` can be such a case. */
function assertDecodes(raw: string): void {
  try {
    decodeURIComponent(raw)
  } catch {
    throw malformed()
  }
}

/** The key named by the `:key` path segment, checked, and noted for the request's log line; `tail` is what the route has after it (`/ttl`). */
export function pathKey(c: Context<AppEnv>, tail = ''): string {
  const key = c.req.param('key') ?? ''
  if (key.includes('%')) {
    const url = c.req.url
    const start = url.indexOf('/', url.indexOf('//') + 2)
    const end = url.search(/[?#]/)
    const path = url.slice(start, (end === -1 ? url.length : end) - tail.length)
    assertDecodes(path.slice(path.lastIndexOf('/') + 1))
  }
  return (c.env.observation.key = refuseReplacementCharacter(checkKey(key)))
}

/** True when the query field name at `url[start, end)` decodes to `key` (`key`, `%6bey`, `ke%79`…). */
function namesKey(url: string, start: number, end: number): boolean {
  if (end - start === 3) return url.startsWith('key', start)
  const name = url.slice(start, end)
  if (!name.includes('%')) return false
  try {
    return decodeURIComponent(name) === 'key'
  } catch {
    return false
  }
}

/**
 * The key named by `?key=`, checked, or undefined when the query has none. Field names are decoded
 * before they are compared, as every standard parser does (`%6bey` is `key`). Given twice it is
 * refused rather than guessed: a cache in front could read one and the proxy the other.
 */
export function queryKey(c: Context<AppEnv>): string | undefined {
  const url = c.req.url
  const query = url.indexOf('?')
  if (query === -1) return undefined
  let raw: string | undefined
  for (let start = query + 1; start <= url.length; ) {
    let end = url.indexOf('&', start)
    if (end === -1) end = url.length
    let equals = url.indexOf('=', start)
    if (equals === -1 || equals > end) equals = end
    if (namesKey(url, start, equals)) {
      if (raw !== undefined) throw new ApiError(400, 'ambiguous_key', 'Give ?key= once; the query names several keys.')
      raw = url.slice(Math.min(equals + 1, end), end)
    }
    start = end + 1
  }
  if (raw === undefined) return undefined
  let key: string
  try {
    // decodeURIComponent throws on bytes that are not UTF-8 (%FF) and on lone surrogates.
    key = decodeURIComponent(raw.includes('+') ? raw.replace(/\+/g, ' ') : raw)
  } catch {
    throw malformed()
  }
  return (c.env.observation.key = refuseReplacementCharacter(checkKey(key)))
}

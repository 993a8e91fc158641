import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ApiError } from './api-error.ts'

/** Paths a load balancer or orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/healthz', '/readyz'])

const REALM = 'RedisProxyServer'

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/** The token offered by `Authorization: Bearer <token>` or as the Basic password (any user name). */
function offeredToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const space = authorization.indexOf(' ')
  if (space === -1) return undefined
  const scheme = authorization.slice(0, space).toLowerCase()
  const credentials = authorization.slice(space + 1).trim()
  if (scheme === 'bearer') return credentials
  if (scheme !== 'basic') return undefined
  const userAndPassword = Buffer.from(credentials, 'base64').toString('utf8')
  const colon = userAndPassword.indexOf(':')
  return colon === -1 ? undefined : userAndPassword.slice(colon + 1)
}

/**
 * Requires `API_TOKEN` on every route but the probes. Both sides are hashed to the same length
 * and compared in constant time, so neither the token nor its length leaks through timing.
 * Browsers (which ask for HTML) get a Basic challenge so that they show a password prompt.
 */
export function tokenAuth({ token }: { token: string }): MiddlewareHandler {
  const expected = digest(token)
  return function tokenAuth(c, next) {
    if (OPEN_PATHS.has(c.req.path)) return next()
    const offered = offeredToken(c.req.header('authorization'))
    if (offered !== undefined && timingSafeEqual(digest(offered), expected)) return next()
    const browser = (c.req.header('accept') ?? '').includes('text/html')
    throw new ApiError(401, 'unauthorized', offered === undefined ? 'This proxy needs its API token: send Authorization: Bearer <token>.' : 'The API token is wrong.', {
      headers: { 'WWW-Authenticate': browser ? `Basic realm="${REALM}", charset="UTF-8"` : `Bearer realm="${REALM}"` },
    })
  }
}

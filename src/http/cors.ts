import { Hono } from 'hono'
import { cors } from 'hono/cors'
import type { AppEnv } from './app-env.ts'

/** What a browser app may send: the token, JSON or bytes, revalidation, a fresh read, its own ids. */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'If-None-Match', 'Cache-Control', 'X-Request-Id', 'traceparent'] as const

/** Headers a browser app may read besides the safelisted ones. */
export const CORS_EXPOSE_HEADERS = ['ETag', 'X-Cache', 'X-Request-Id', 'Retry-After'] as const

const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE']

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600

type AppFetch = (request: Request, env: AppEnv['Bindings']) => Response | Promise<Response>

export interface CorsOptions {
  /** Origins as config.ts normalised them (`https://app.example.com`). */
  origins: readonly string[]
  /** The route pattern a preflight asks about (by its Access-Control-Request-Method), for its log line and metric. */
  routeOf?: (request: Request, method: string) => string
}

/**
 * Hono's cors middleware for the listed origins, around the app's fetch rather than as a `*`
 * middleware: a request without a listed `Origin` (every non-browser client, same-origin pages)
 * goes straight through, synchronous as before, with no CORS header, as without CORS_ORIGINS.
 * It wraps the token check from outside, so that a preflight (which browsers send without
 * credentials) is answered before it, and a 401 still carries the grant the browser needs to read it.
 */
export function withCors<F extends AppFetch>(fetch: F, { origins, routeOf }: CorsOptions): F {
  const listed = new Set(origins)
  const granting = new Hono<AppEnv>()
    .use(
      cors({
        origin: (origin) => (listed.has(origin) ? origin : null),
        allowMethods: CORS_ALLOW_METHODS,
        allowHeaders: [...CORS_ALLOW_HEADERS],
        exposeHeaders: [...CORS_EXPOSE_HEADERS],
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      }),
    )
    .all('*', (c) => fetch(c.req.raw, c.env))
  const withGrant = (request: Request, env: AppEnv['Bindings']): Response | Promise<Response> => {
    const origin = request.headers.get('origin')
    if (origin === null || !listed.has(origin)) return fetch(request, env)
    if (request.method === 'OPTIONS' && routeOf) {
      const asked = request.headers.get('access-control-request-method')
      if (asked !== null) env.observation.route = routeOf(request, asked.toUpperCase())
    }
    return granting.fetch(request, env)
  }
  return withGrant as F
}

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

type Grant = readonly (readonly [string, string])[]

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
 *
 * Preflights are answered by the middleware itself. The headers it adds to any other request depend
 * on the origin alone, so they are learnt from it once per origin and set on the app's own answer:
 * passing each answer through the middleware copied its body into a new Response (+20 µs of CPU per
 * request on Bun, +72 µs on Node in bench/ab-in-process.ts) and made a local hit asynchronous.
 */
export function withCors<F extends AppFetch>(fetch: F, { origins, routeOf }: CorsOptions): F {
  const listed = new Set(origins)
  const middleware = new Hono()
    .use(
      cors({
        origin: (origin) => (listed.has(origin) ? origin : null),
        allowMethods: CORS_ALLOW_METHODS,
        allowHeaders: [...CORS_ALLOW_HEADERS],
        exposeHeaders: [...CORS_EXPOSE_HEADERS],
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      }),
    )
    .all('*', (c) => c.body(null))
  const grants = new Map<string, Grant>()
  const learning = new Map<string, Promise<Grant>>()
  for (const origin of listed) {
    const grant = Promise.resolve(middleware.fetch(new Request('http://localhost/', { headers: { Origin: origin } }))).then((answer): Grant => {
      const headers = [...answer.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary')
      grants.set(origin, headers)
      return headers
    })
    learning.set(origin, grant)
  }

  const withGrant = (request: Request, env: AppEnv['Bindings']): Response | Promise<Response> => {
    const origin = request.headers.get('origin')
    if (origin === null || !listed.has(origin)) return fetch(request, env)
    if (request.method === 'OPTIONS') {
      const asked = request.headers.get('access-control-request-method')
      if (asked !== null && routeOf) env.observation.route = routeOf(request, asked.toUpperCase())
      return middleware.fetch(request)
    }
    const answer = fetch(request, env)
    const grant = grants.get(origin)
    if (grant === undefined) return Promise.all([answer, learning.get(origin)!]).then(([response, learnt]) => granted(response, learnt))
    return answer instanceof Promise ? answer.then((response) => granted(response, grant)) : granted(answer, grant)
  }
  return withGrant as F
}

/** The answer with the grant's headers; one with immutable headers (a Response from elsewhere) is copied. */
function granted(response: Response, grant: Grant): Response {
  let target = response
  try {
    addGrant(target.headers, grant)
  } catch {
    target = new Response(response.body, response)
    addGrant(target.headers, grant)
  }
  return target
}

function addGrant(headers: Headers, grant: Grant): void {
  for (const [name, value] of grant) {
    if (name === 'vary') headers.append(name, value)
    else headers.set(name, value)
  }
}

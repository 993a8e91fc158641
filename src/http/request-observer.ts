import type { Context, ErrorHandler } from 'hono'
import type { H, RouterRoute } from 'hono/types'
import { matchedRoutes } from 'hono/route'
import type { Router } from 'hono/router'
import { SmartRouter } from 'hono/router/smart-router'
import { RegExpRouter } from 'hono/router/reg-exp-router'
import { TrieRouter } from 'hono/router/trie-router'
import { getPath } from 'hono/utils/url'
import type { Logger } from '../logger.ts'
import type { AppEnv, RequestObservation } from './app-env.ts'
import { acceptedRequestId, requestIdGenerator } from './request-id.ts'
import { securedJson } from './security-headers.ts'
import type { Fetch } from './fetch.ts'

/** What the request observer reports to; ProxyMetrics implements it. */
export interface RequestMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void
}

export interface RequestObserverOptions {
  logger: Logger
  metrics?: RequestMetrics | undefined
  newRequestId?: () => string
}

/** The route label for requests no route matched, so that scanners cannot grow the metric series. */
export const UNMATCHED_ROUTE = 'unmatched'

type AppFetch = (request: Request, env: AppEnv['Bindings']) => Response | Promise<Response>

/** Written to and never read: the record handlers get when neither logs nor metrics are wanted. */
const UNOBSERVED: AppEnv['Bindings'] = { observation: { route: UNMATCHED_ROUTE, tier: undefined, key: undefined, requestId: undefined, idInAnswer: false } }

/**
 * Logs and metrics around the app's fetch instead of in a `*` middleware: a middleware sends every
 * answer through Hono's promise chain (31% of a local hit on Bun, the chain another 23%), while this
 * keeps a synchronous answer synchronous. Each request gets a fresh RequestObservation as Hono's
 * `env` (what Bun.serve and @hono/node-server pass there, the server and {incoming, outgoing}, is
 * dropped: nothing here uses it); handlers write the tier and key into it, `labellingRouter` the
 * route. Once the Response exists: X-Request-Id (an incoming sane one honoured, else a new one when
 * the request is logged: with LOG_LEVEL above info no line exists for an id to name), the metric, one
 * JSON line (method, route, path, key, status, duration, tier: keys only, never values).
 */
export function observeRequests<F extends Fetch>(fetch: F, { logger, metrics, newRequestId = requestIdGenerator() }: RequestObserverOptions): F {
  const appFetch = fetch as unknown as AppFetch
  const logging = logger.enabled('info')
  if (!logging && !metrics) return ((request: Request) => appFetch(request, UNOBSERVED)) as F

  const observed = (request: Request): Response | Promise<Response> => {
    const started = performance.now()
    // An id is made for a request that is logged, the line it names; one a client sent is returned either way.
    const requestId = acceptedRequestId(request.headers.get('x-request-id') ?? undefined) ?? (logging ? newRequestId() : undefined)
    const observation: RequestObservation = { route: UNMATCHED_ROUTE, tier: undefined, key: undefined, requestId, idInAnswer: false }
    const finish = (response: Response): Response => {
      const seconds = (performance.now() - started) / 1000
      // Touching a Response's headers builds a Headers object (on Node's adapter too): not for answers born with the id.
      const answer = observation.idInAnswer || requestId === undefined ? response : withHeader(response, 'X-Request-Id', requestId)
      const { route, tier, key } = observation
      const method = request.method
      const status = answer.status
      metrics?.observeRequest(method, route, status, seconds)
      if (logging) {
        logger.info('request', {
          requestId,
          method,
          route,
          path: getPath(request),
          key, // left out of the line when undefined, as JSON.stringify does
          status,
          durationMs: Math.round(seconds * 1_000_000) / 1000,
          tier,
        })
      }
      return answer
    }
    const answer = appFetch(request, { observation })
    return answer instanceof Promise ? answer.then(finish) : finish(answer)
  }
  return observed as F
}

/**
 * A GET's JSON answer born with the security headers and the request's X-Request-Id (see `securedJson`):
 * no Headers object filled afterwards (on Node's adapter that turned the lightweight Response into a
 * real one, ~10% of a Redis-path GET in bench/profile.ts).
 */
export function observedJson(observation: RequestObservation, body: unknown, status = 200, headers?: Readonly<Record<string, string>>): Response {
  observation.idInAnswer = observation.requestId !== undefined
  return securedJson(body, status, observation.requestId, headers)
}

/** Sets a header in place; a Response with immutable headers (one from elsewhere) is copied. */
function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value)
    return response
  } catch {
    const copy = new Response(response.body, response)
    copy.headers.set(name, value)
    return copy
  }
}

type RouterEntry = [H, RouterRoute]

/**
 * Hono's default router (SmartRouter over RegExpRouter and TrieRouter) whose route handlers, as they
 * are registered, are wrapped to write their route pattern into the request's observation: one
 * property write per request, no middleware, and every route labelled, including ones added later.
 * `*` middleware is not labelled: a request only middleware matched stays `unmatched`.
 */
export function labellingRouter(): Router<RouterEntry> {
  const router = new SmartRouter<RouterEntry>({ routers: [new RegExpRouter(), new TrieRouter()] })
  return {
    name: `labelling ${router.name}`,
    add(method, path, [handler, route]) {
      if (method === 'ALL' && path.endsWith('*')) return router.add(method, path, [handler, route])
      const labelled = ((c: Context<AppEnv>, next: () => Promise<void>) => {
        c.env.observation.route = path
        return (handler as (c: Context<AppEnv>, next: () => Promise<void>) => unknown)(c, next)
      }) as H
      router.add(method, path, [labelled, route])
    },
    match: (method, path) => router.match(method, path),
  }
}

/** The error handler, labelling the request first: an error thrown by middleware (401) still counts under its route. */
export function labellingErrors(handler: ErrorHandler<AppEnv>): ErrorHandler<AppEnv> {
  return (error, c) => {
    c.env.observation.route = routeOf(c)
    return handler(error, c)
  }
}

/** The pattern of the last route matched (`/v1/keys/:key`), not the raw path. */
function routeOf(c: Context<AppEnv>): string {
  return labelOf(matchedRoutes(c))
}

/** The route a request would reach, without running it: for answers given before Hono dispatches (a 401). */
export function routeMatching(router: Router<RouterEntry>, request: Request, method = request.method): string {
  // Hono answers HEAD with its GET route.
  const [matches] = router.match(method === 'HEAD' ? 'GET' : method, getPath(request))
  return labelOf(matches.map(([[, route]]) => route))
}

function labelOf(routes: readonly RouterRoute[]): string {
  const last = routes[routes.length - 1]
  if (!last || (last.method === 'ALL' && last.path.endsWith('*'))) return UNMATCHED_ROUTE
  return last.path
}

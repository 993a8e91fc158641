import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../logger.ts'
import type { AppEnv } from './app-env.ts'
import { acceptedRequestId, requestIdGenerator } from './request-id.ts'

/** What the request middleware reports to; ProxyMetrics implements it. */
export interface RequestMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void
}

export interface RequestLoggerOptions {
  logger: Logger
  metrics?: RequestMetrics
  newRequestId?: () => string
}

/** The route label for requests no route matched, so that scanners cannot grow the metric series. */
export const UNMATCHED_ROUTE = 'unmatched'

/**
 * One middleware for logs and metrics (each extra async middleware costs throughput): it gives
 * every request an id (X-Request-Id, honoured when sane), counts it by route pattern and writes one
 * JSON line: method, route, path, status, duration, the tier that answered. Keys only, never values.
 */
export function requestLogger({ logger, metrics, newRequestId = requestIdGenerator() }: RequestLoggerOptions): MiddlewareHandler<AppEnv> {
  const logging = logger.enabled('info')
  return async function logRequest(c, next) {
    const started = performance.now()
    const requestId = acceptedRequestId(c.req.header('x-request-id')) ?? newRequestId()
    await next()
    setResponseHeader(c, 'X-Request-Id', requestId)
    const durationMs = performance.now() - started
    const route = routeOf(c)
    const status = c.res.status
    metrics?.observeRequest(c.req.method, route, status, durationMs / 1000)
    if (!logging) return
    const key = route === '/' && c.req.method === 'GET' ? c.req.query('key') : undefined
    logger.info('request', {
      requestId,
      method: c.req.method,
      route,
      path: c.req.path,
      ...(key !== undefined && { key }),
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      tier: c.get('tier'),
    })
  }
}

type AppContext = Parameters<MiddlewareHandler<AppEnv>>[0]

/** Sets a header on the finished response in place; `c.header()` before `next()` would push every c.json() onto Hono's slower path. */
function setResponseHeader(c: AppContext, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    c.header(name, value) // immutable headers (a proxied Response): Hono copies the response
  }
}

/** The pattern of the route that answered (`/v1/keys/:key`), not the raw path. */
function routeOf(c: AppContext): string {
  const routes = matchedRoutes(c)
  const last = routes[routes.length - 1]
  // Only middleware matched (e.g. `*`): the not-found handler answered.
  if (!last || last.method === 'ALL' && last.path.endsWith('*')) return UNMATCHED_ROUTE
  return last.path
}

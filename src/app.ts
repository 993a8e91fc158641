import { Hono } from 'hono'
import type { Readiness } from './cache/readiness.ts'
import type { TieredCache } from './cache/tiered-cache.ts'
import type { AppEnv } from './http/app-env.ts'
import { answerThrows } from './http/answer-throws.ts'
import { withCors } from './http/cors.ts'
import { limitConcurrency } from './http/concurrency-limit.ts'
import { errorHandler } from './http/error-handler.ts'
import { unmatchedRoute } from './http/method-not-allowed.ts'
import { labellingErrors, labellingRouter, observeRequests, routeMatching } from './http/request-observer.ts'
import { withSecurityHeaders } from './http/security-headers.ts'
import { requireToken } from './http/token-auth.ts'
import type { Logger } from './logger.ts'
import type { ProxyMetrics } from './metrics/proxy-metrics.ts'
import { BUILD } from './build-identity.ts'
import { healthOperations } from './routes/health-operations.ts'
import { healthRoutes } from './routes/health.ts'
import { keyOperations } from './routes/keys-operations.ts'
import { keyRoutes } from './routes/keys.ts'
import { metricsOperations } from './routes/metrics-operations.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { referenceOperations } from './routes/reference-operations.ts'
import { referenceRoutes } from './routes/reference.tsx'
import { seedOperations } from './routes/seed-operations.ts'
import { seedRoutes } from './routes/seed.tsx'
import { statsRoutes } from './routes/stats.tsx'

export interface AppDeps {
  cache: TieredCache
  logger: Logger
  probeReadiness: () => Promise<Readiness>
  maxValueBytes: number
  /** In-flight requests beyond this get a fast 503 (MAX_CONCURRENT_REQUESTS). */
  maxConcurrentRequests: number
  /** When set, every route but the probes requires it (see token-auth.ts). */
  apiToken?: string | undefined
  /** Browser origins granted CORS (CORS_ORIGINS); none: no CORS headers and nothing on the request path. */
  corsOrigins?: readonly string[] | undefined
  /** When given: request metrics, `/metrics` and `/stats`. */
  metrics?: ProxyMetrics
}

/** Builds the HTTP app from its dependencies; main.ts and the tests both call it. */
export function createApp({ cache, logger, probeReadiness, maxValueBytes, maxConcurrentRequests, apiToken, corsOrigins, metrics }: AppDeps) {
  // The router labels each request with its route pattern for the logs and metrics (see request-observer.ts).
  const app = new Hono<AppEnv>({ router: labellingRouter() })
  // Every route needs the token, /metrics and /stats as the API does: checked before Hono dispatches.
  if (apiToken !== undefined) app.fetch = requireToken(app.fetch, { token: apiToken, routeOf: (request) => routeMatching(app.router, request) })
  // Outside the token check: preflights come without credentials, and a 401 needs the grant to be readable.
  if (corsOrigins?.length) app.fetch = withCors(app.fetch, { origins: corsOrigins, routeOf: (request, method) => routeMatching(app.router, request, method) })
  if (metrics) app.route('/', metricsRoutes({ metrics })).route('/', statsRoutes({ metrics, localTier: cache.local.name }))
  // Request ids, logs and metrics around fetch, not as a middleware: a synchronous local hit stays synchronous.
  app.fetch = observeRequests(app.fetch, { logger, metrics })
  // On fetch itself, which app.request() calls too: servers and tests both get the limit, the hot path no middleware.
  const load = { inFlight: 0 }
  metrics?.observeInFlight(() => load.inFlight)
  app.fetch = limitConcurrency(app.fetch, {
    load,
    maxInFlight: maxConcurrentRequests,
    onRefusingChange: (refusing) =>
      refusing ? logger.warn('overloaded: refusing requests', { maxConcurrentRequests }) : logger.info('admitting requests again'),
    onRefused: metrics && (() => metrics.observeRefusal()),
  })
  // Security headers on every answer (the 503s of the limit too), around fetch for the same reason.
  app.fetch = withSecurityHeaders(app.fetch)
  // Outermost: nothing that throws below becomes the runtime's own error answer.
  app.fetch = answerThrows(app.fetch, (error) => logger.error('unhandled error', { error }))
  app.onError(labellingErrors(errorHandler({ logger })))
  app.notFound(unmatchedRoute(app))
  // What /openapi.json and /docs describe: each route module's table (a test checks it against app.routes).
  const operations = [...healthOperations, ...seedOperations, ...keyOperations, ...(metrics ? metricsOperations : []), ...referenceOperations]
  return app
    .route('/', healthRoutes({ probeReadiness }))
    .route('/', seedRoutes({ cache, maxValueBytes }))
    .route('/v1', keyRoutes({ cache, maxValueBytes }))
    .route('/', referenceRoutes({ operations, version: BUILD.version }))
}

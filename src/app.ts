import { Hono } from 'hono'
import type { Readiness } from './cache/readiness.ts'
import type { TieredCache } from './cache/tiered-cache.ts'
import type { AppEnv } from './http/app-env.ts'
import { limitConcurrency } from './http/concurrency-limit.ts'
import { errorHandler } from './http/error-handler.ts'
import { unmatchedRoute } from './http/method-not-allowed.ts'
import { requestLogger } from './http/request-logger.ts'
import { securityHeaders } from './http/security-headers.ts'
import { tokenAuth } from './http/token-auth.ts'
import type { Logger } from './logger.ts'
import { healthRoutes } from './routes/health.ts'
import { keyRoutes } from './routes/keys.ts'
import { seedRoutes } from './routes/seed.tsx'

export interface AppDeps {
  cache: TieredCache
  logger: Logger
  probeReadiness: () => Promise<Readiness>
  maxValueBytes: number
  /** In-flight requests beyond this get a fast 503 (MAX_CONCURRENT_REQUESTS). */
  maxConcurrentRequests: number
  /** When set, every route but the probes requires it (see token-auth.ts). */
  apiToken?: string | undefined
}

/** Builds the HTTP app from its dependencies; main.ts and the tests both call it. */
export function createApp({ cache, logger, probeReadiness, maxValueBytes, maxConcurrentRequests, apiToken }: AppDeps) {
  const app = new Hono<AppEnv>()
  // The request log is registered only when its lines would be written: no cost otherwise.
  if (logger.enabled('info')) app.use('*', requestLogger({ logger }))
  app.use('*', securityHeaders())
  if (apiToken !== undefined) app.use('*', tokenAuth({ token: apiToken }))
  // On fetch itself, which app.request() calls too: servers and tests both get the limit, the hot path no middleware.
  app.fetch = limitConcurrency(app.fetch, {
    maxInFlight: maxConcurrentRequests,
    onRefusingChange: (refusing) =>
      refusing ? logger.warn('overloaded: refusing requests', { maxConcurrentRequests }) : logger.info('admitting requests again'),
  })
  app.onError(errorHandler({ logger }))
  app.notFound(unmatchedRoute(app))
  return app
    .route('/', healthRoutes({ probeReadiness }))
    .route('/', seedRoutes({ cache, maxValueBytes }))
    .route('/v1', keyRoutes({ cache, maxValueBytes }))
}

export type AppType = ReturnType<typeof createApp>

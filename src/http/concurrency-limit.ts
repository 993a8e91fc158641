import type { MiddlewareHandler } from 'hono'
import { errorBody, RETRY_AFTER_SECONDS } from './error-handler.ts'

export interface ConcurrencyLimitOptions {
  /** Requests in flight beyond this are refused at once. */
  maxInFlight: number
  /** Answered even at the limit, and not counted then: liveness must not depend on load. */
  exemptPath?: string
}

/**
 * Bounds the requests in flight: beyond the limit a fast 503 with Retry-After instead of an
 * unbounded queue in front of a slow Redis. A plain counter, checked synchronously.
 */
export function concurrencyLimit({ maxInFlight, exemptPath = '/healthz' }: ConcurrencyLimitOptions): MiddlewareHandler {
  let inFlight = 0
  const release = () => {
    inFlight--
  }
  return function limitConcurrency(c, next) {
    if (inFlight >= maxInFlight) {
      if (c.req.path === exemptPath) return next()
      c.header('Retry-After', RETRY_AFTER_SECONDS)
      return Promise.resolve(c.json(errorBody('overloaded', 'Too many requests are in flight; retry shortly.'), 503))
    }
    inFlight++
    return next().finally(release)
  }
}

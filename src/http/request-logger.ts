import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../logger.ts'
import type { AppEnv } from './app-env.ts'

/** One JSON line per request: method, path, status, duration and the tier that answered. Keys only, never values. */
export function requestLogger({ logger }: { logger: Logger }): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now()
    await next()
    logger.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      tier: c.get('tier'),
    })
  }
}

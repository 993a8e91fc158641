import { Hono } from 'hono'
import type { Readiness } from '../cache/readiness.ts'
import { RETRY_AFTER_SECONDS } from '../http/error-handler.ts'

/** Liveness (`/healthz`) and readiness (`/readyz`, 503 while Redis does not answer). */
export function healthRoutes({ probeReadiness }: { probeReadiness: () => Promise<Readiness> }) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const { ready, tiers } = await probeReadiness()
      if (!ready) c.header('Retry-After', RETRY_AFTER_SECONDS)
      return c.json({ status: ready ? 'ready' : 'unavailable', tiers }, ready ? 200 : 503)
    })
}

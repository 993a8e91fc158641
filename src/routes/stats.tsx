import { Hono } from 'hono'
import { htmlPage } from '../http/html-page.ts'
import type { ProxyMetrics } from '../metrics/proxy-metrics.ts'
import { StatsPage } from '../views/stats-page.tsx'

const REFRESH_SECONDS = 5

/** `GET /stats`: hit ratio per tier and request rate, as a page that redraws itself. */
export function statsRoutes({ metrics, localTier }: { metrics: ProxyMetrics; localTier: 'memory' | 'memcached' | 'none' }) {
  return new Hono().get('/stats', (c) =>
    htmlPage(
      c,
      <StatsPage
        lookups={metrics.lookupCounts()}
        perSecond={metrics.traffic.recent()}
        uptimeSeconds={(Date.now() - metrics.startedAt) / 1000}
        refreshSeconds={REFRESH_SECONDS}
        localTier={localTier}
      />,
    ),
  )
}

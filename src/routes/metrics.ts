import { Hono } from 'hono'
import type { ProxyMetrics } from '../metrics/proxy-metrics.ts'

/** `GET /metrics`: the Prometheus text format. */
export function metricsRoutes({ metrics }: { metrics: ProxyMetrics }) {
  return new Hono().get('/metrics', async (c) => {
    const text = await metrics.scrape()
    return c.body(text, 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' })
  })
}

import { z } from 'zod'
import type { ApiOperation } from '../openapi/api-operation.ts'

/** `/metrics` and `/stats` as the OpenAPI document tells them. */
export const metricsOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Requests by route and status, hits and misses per tier, latencies, tier errors, the coherence heartbeat, process metrics: the Prometheus text format.',
    tag: 'operations',
    responses: { 200: { description: 'The metrics.', headers: ['Cache-Control'], content: { 'text/plain': z.string().describe('Prometheus text exposition format 0.0.4.') } } },
  },
  {
    method: 'get',
    path: '/stats',
    operationId: 'getStats',
    summary: 'Stats page',
    description: 'Hit ratio per tier and the request rate, as a page that reloads itself.',
    tag: 'operations',
    responses: { 200: { description: 'The page.', content: { 'text/html': z.string().describe('An HTML page.') } } },
  },
]

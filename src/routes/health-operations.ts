import { z } from 'zod'
import type { ApiOperation } from '../openapi/api-operation.ts'

/** The probes as the OpenAPI document tells them: open without API_TOKEN. */

const tierState = z.enum(['up', 'down', 'disabled'])

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  tiers: z.object({
    redis: tierState,
    local: z.object({
      kind: z.enum(['memory', 'memcached', 'none']),
      state: tierState,
      suspended: z.boolean().optional().describe('Not used while invalidations may be missed.'),
      skipped: z.enum(['suspended', 'stale']).optional().describe('Why reads go past the local tier now.'),
    }),
  }),
})

export const healthOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness',
    description: 'Answers while the process serves, whatever Redis does; open without a token, and answered even at the concurrency limit.',
    tag: 'operations',
    open: true,
    alwaysAdmitted: true,
    responses: { 200: { description: 'The process serves.', content: { 'application/json': z.object({ status: z.literal('ok') }) } } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness',
    description: 'Ready when Redis answers (the local tier only speeds things up); the body tells each tier’s state. Open without a token.',
    tag: 'operations',
    open: true,
    responses: {
      200: { description: 'Redis answers.', content: { 'application/json': readiness } },
      503: { description: 'Redis does not answer.', headers: ['Retry-After'], content: { 'application/json': readiness } },
    },
  },
]

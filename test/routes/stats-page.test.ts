import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Registry } from 'prom-client'
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { metrics: new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false }) })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

test('/stats shows hit ratio per tier and request rate as server-drawn SVG, and refreshes itself', async () => {
  await f.redis.set('s1', 'v')
  await f.app.request('/?key=s1') // local miss, Redis hit
  await f.app.request('/?key=s1') // local hit
  await f.app.request('/?key=s1') // local hit
  await f.app.request('/?key=absent') // local miss, Redis miss
  const res = await f.app.request('/stats')
  expect(res.status).toBe(200)
  const page = await res.text()
  expect(page.startsWith('<!DOCTYPE html>')).toBe(true)
  expect(page).toContain('<meta http-equiv="refresh" content="5"/>')
  expect(page).toMatch(/<svg class="chart" viewBox="0 0 600 160" role="img" aria-label="Requests per second over the last 120 seconds; peak \d+.">/)
  expect(page).toContain('<polyline points="')
  expect(page).toContain('aria-label="Local cache (memory): 50.0 % hits"')
  expect(page).toContain('<rect x="0" y="0" width="50.00" height="8" class="bar-hit"></rect>')
  expect(page).toContain('aria-label="Redis: 50.0 % hits"')
  expect(page).toContain('(2 hits, 2 misses)')
})

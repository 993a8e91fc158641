import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Registry } from 'prom-client'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts'
import { appFixture, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { parseExposition } from './exposition.ts'

let redis: ServiceProcess
let f: AppFixture
let metrics: ProxyMetrics
beforeAll(async () => {
  redis = await startRedis()
  const local = new MemoryTier({ capacity: 100, ttlSeconds: 60 })
  metrics = new ProxyMetrics({ registry: new Registry(), localTier: 'memory', localSize: () => local.size })
  f = appFixture(redis, local, { metrics })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

async function scrape() {
  const res = await f.app.request('/metrics')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
  return parseExposition(await res.text())
}

describe('GET /metrics', () => {
  test('parses as the Prometheus text format and names what operators look for', async () => {
    const { types } = await scrape()
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('redis_proxy_')))).toEqual({
      redis_proxy_build_info: 'gauge',
      redis_proxy_http_requests_total: 'counter',
      redis_proxy_invalidation_heartbeat_seconds: 'histogram',
      redis_proxy_http_request_duration_seconds: 'histogram',
      redis_proxy_cache_lookups_total: 'counter',
      redis_proxy_tier_command_duration_seconds: 'histogram',
      redis_proxy_tier_errors_total: 'counter',
      redis_proxy_tier_skipped_total: 'counter',
      redis_proxy_invalidations_total: 'counter',
      redis_proxy_circuit_breaker_state: 'gauge',
      redis_proxy_overload_refusals_total: 'counter',
      redis_proxy_http_requests_in_flight: 'gauge',
      redis_proxy_local_entries: 'gauge',
      redis_proxy_local_skipped_reads_total: 'counter',
    })
    expect(types.get('process_resident_memory_bytes')).toBe('gauge')
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge')
  })

  test('counters move with requests, labelled by route pattern, not by path', async () => {
    const before = (await scrape()).samples
    const route = (status: number) => `redis_proxy_http_requests_total{method="GET",route="/v1/keys/:key",status="${status}"}`
    await f.app.request('/v1/keys/m1', { method: 'PUT', body: '{"value":"v"}', headers: { 'Content-Type': 'application/json' } })
    await f.cache.local.delete('m1')
    expect((await f.app.request('/v1/keys/m1')).status).toBe(200) // local miss, Redis hit
    expect((await f.app.request('/v1/keys/m1')).status).toBe(200) // local hit
    expect((await f.app.request('/v1/keys/m2-absent')).status).toBe(404)
    await f.app.request('/no/such/route/123')
    await f.cache.invalidate('m1')

    const after = (await scrape()).samples
    const moved = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0)
    expect(moved(route(200))).toBe(2)
    expect(moved(route(404))).toBe(1)
    expect(moved('redis_proxy_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1)
    expect(moved('redis_proxy_http_request_duration_seconds_count{method="GET",route="/v1/keys/:key"}')).toBe(3)
    expect(moved('redis_proxy_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/keys/:key"}')).toBe(3)
    expect(moved('redis_proxy_cache_lookups_total{tier="memory",result="hit"}')).toBe(1)
    expect(moved('redis_proxy_cache_lookups_total{tier="memory",result="miss"}')).toBe(2)
    expect(moved('redis_proxy_cache_lookups_total{tier="redis",result="hit"}')).toBe(1)
    expect(moved('redis_proxy_cache_lookups_total{tier="redis",result="miss"}')).toBe(1)
    expect(moved('redis_proxy_invalidations_total{scope="key"}')).toBe(1)
    expect([...after.keys()].some((series) => series.includes('m1') || series.includes('/no/such'))).toBe(false)
    expect(after.get('redis_proxy_local_entries')).toBe(0)
  })

  test('the breaker gauge follows the state the circuit breaker reports, under the local tier\'s name', async () => {
    expect((await scrape()).samples.has('redis_proxy_circuit_breaker_state{tier="memory"}')).toBe(false)
    metrics.setBreakerState('local', 'open')
    expect((await scrape()).samples.get('redis_proxy_circuit_breaker_state{tier="memory"}')).toBe(1)
    metrics.setBreakerState('local', 'closed')
    expect((await scrape()).samples.get('redis_proxy_circuit_breaker_state{tier="memory"}')).toBe(0)
  })
})

test('with API_TOKEN set, /metrics and /stats need the token like the API', async () => {
  const g = appFixture(redis, new MemoryTier({ capacity: 10, ttlSeconds: 60 }), { apiToken: 's3cret', metrics: new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false }) })
  try {
    for (const path of ['/metrics', '/stats']) {
      expect((await g.app.request(path)).status).toBe(401)
      expect((await g.app.request(path, { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200)
    }
    const text = await (await g.app.request('/metrics', { headers: { Authorization: 'Bearer s3cret' } })).text()
    expect(parseExposition(text).samples.get('redis_proxy_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(1)
    expect(text).not.toContain('s3cret')
  } finally {
    await g.close()
  }
})

test('requests refused by the concurrency limit are counted, though no route saw them', async () => {
  const metrics = new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false })
  const g = appFixture(redis, new MemoryTier({ capacity: 10, ttlSeconds: 60 }), { maxConcurrentRequests: 1, metrics })
  try {
    redis.freeze()
    const slow = g.app.request('/v1/keys/held')
    try {
      expect((await g.app.request('/v1/keys/refused')).status).toBe(503)
    } finally {
      redis.resume()
    }
    await slow
    expect(parseExposition(await metrics.scrape()).samples.get('redis_proxy_overload_refusals_total')).toBe(1)
  } finally {
    await g.close()
  }
})

import { afterAll, beforeAll, expect, test } from 'bun:test'
import { parseExposition } from '../metrics/exposition.ts'
import { startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let memcached: ServiceProcess
let proxy: ProxyProcess
beforeAll(async () => {
  ;[redis, memcached] = await Promise.all([startRedis(), startMemcached()])
  proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` })
}, 30_000)
afterAll(async () => {
  await proxy?.stop()
  await Promise.all([redis?.stop(), memcached?.stop()])
})

const scrape = async () => parseExposition(await (await fetch(`${proxy.url}/metrics`)).text()).samples

test('the running proxy reports its Memcached breaker and tier failures on /metrics', async () => {
  let samples = await scrape()
  expect(samples.get('redis_proxy_circuit_breaker_state{tier="local"}')).toBe(0)
  expect(samples.get('redis_proxy_process_resident_memory_bytes')).toBeGreaterThan(0)

  await memcached.kill()
  for (let i = 0; i < 6; i++) expect((await fetch(`${proxy.url}/v1/keys/absent-${i}`)).status).toBe(404)

  samples = await scrape()
  expect(samples.get('redis_proxy_circuit_breaker_state{tier="local"}')).toBe(2)
  const localFailures = [...samples].filter(([series]) => series.startsWith('redis_proxy_tier_errors_total{tier="local"'))
  expect(localFailures.reduce((total, [, count]) => total + count, 0)).toBeGreaterThanOrEqual(6)
  expect(samples.get('redis_proxy_tier_errors_total{tier="local",operation="get",kind="skipped"}')).toBeGreaterThan(0)
  expect(samples.get('redis_proxy_cache_lookups_total{tier="redis",result="miss"}')).toBe(6)
}, 30_000)

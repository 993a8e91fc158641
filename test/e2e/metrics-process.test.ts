import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseExposition } from '../metrics/exposition.ts'
import { promtool } from '../harness/promtool.ts'
import { ROOT, startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const runtimeVersion: Record<Runtime, string> = {
  bun: Bun.version,
  node: spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, ''),
}

for (const runtime of ['bun', 'node'] as const) {
  describe(`the ${runtime} proxy's /metrics`, () => {
    let redis: ServiceProcess
    let memcached: ServiceProcess
    let proxy: ProxyProcess
    beforeAll(async () => {
      ;[redis, memcached] = await Promise.all([startRedis(), startMemcached()])
      proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}`, REDIS_TIMEOUT_MS: '300',
        // Counts every tier call exactly: heartbeats late on a loaded machine (or after the frozen Redis) must not make reads skip the local tier.
        MAX_STALENESS_MS: '60000' })
    }, 30_000)
    afterAll(async () => {
      await proxy?.stop()
      await Promise.all([redis?.stop(), memcached?.stop()])
    })

    const metricsText = async () => (await fetch(`${proxy.url}/metrics`)).text()
    const scrape = async () => parseExposition(await metricsText()).samples
    const sum = (samples: Map<string, number>, prefix: string) => [...samples].filter(([series]) => series.startsWith(prefix)).reduce((total, [, value]) => total + value, 0)

    test('promtool check metrics accepts it with no warnings, after traffic of every kind', async () => {
      const put = (key: string) => fetch(`${proxy.url}/v1/keys/${key}`, { method: 'PUT', body: '{"value":"v"}', headers: { 'Content-Type': 'application/json' } })
      for (let i = 0; i < 5; i++) {
        expect((await put(`p${i}`)).status).toBe(200)
        expect((await fetch(`${proxy.url}/v1/keys/p${i}`)).status).toBe(200)
        expect((await fetch(`${proxy.url}/v1/keys/absent-${i}`)).status).toBe(404)
      }
      expect((await fetch(`${proxy.url}/v1/keys/p0`, { method: 'DELETE' })).status).toBe(200)
      expect((await fetch(`${proxy.url}/?key=p1`)).status).toBe(200)
      const { status, output } = promtool(['check', 'metrics'], await metricsText())
      expect(output).toBe('')
      expect(status).toBe(0)
    }, 20_000)

    test('build info names this version, runtime and local tier; process metrics use the standard names and are plausible', async () => {
      const samples = await scrape()
      expect(samples.get(`redis_proxy_build_info{version="${VERSION}",runtime="${runtime}",runtime_version="${runtimeVersion[runtime]}",local_tier="memcached"}`)).toBe(1)
      expect([...samples.keys()].filter((series) => series.startsWith('redis_proxy_process_') || series.startsWith('redis_proxy_nodejs_'))).toEqual([])
      for (const [series, value] of samples) expect({ series, finite: Number.isFinite(value) }).toEqual({ series, finite: true })

      const status = readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8')
      const rssBytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
      const resident = samples.get('process_resident_memory_bytes')!
      expect(resident).toBeGreaterThan(rssBytes / 2)
      expect(resident).toBeLessThan(rssBytes * 2)
      expect(samples.get('process_cpu_seconds_total')).toBeGreaterThan(0)
      expect(Math.abs(samples.get('process_start_time_seconds')! - Date.now() / 1000)).toBeLessThan(300)
      expect(samples.get('process_open_fds')).toBeGreaterThan(0)
      expect(samples.get('process_open_fds')).toBeLessThanOrEqual(samples.get('process_max_fds')!)
      for (const lag of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds']) {
        expect(samples.get(lag)).toBeGreaterThanOrEqual(0)
        expect(samples.get(lag)).toBeLessThan(10)
      }
      if (runtime === 'node') {
        expect(samples.get(`nodejs_version_info{version="v${runtimeVersion.node}",major="${runtimeVersion.node.split('.')[0]}",minor="${runtimeVersion.node.split('.')[1]}",patch="${runtimeVersion.node.split('.')[2]}"}`)).toBe(1)
        expect(samples.get('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(samples.get('nodejs_heap_size_total_bytes')!)
        expect(samples.get('process_heap_bytes')).toBeLessThan(samples.get('process_virtual_memory_bytes')!)
      } else {
        // What Bun cannot report truthfully is left out rather than exported wrong (see runtime-metrics.ts).
        for (const name of ['nodejs_version_info', 'nodejs_heap_size_used_bytes', 'process_heap_bytes', 'nodejs_gc_duration_seconds_count']) {
          expect({ name, exported: [...samples.keys()].some((series) => series.startsWith(name)) }).toEqual({ name, exported: false })
        }
      }
    })

    test('a Redis that stops answering shows as timeouts of the Redis tier, by operation', async () => {
      redis.freeze()
      try {
        expect((await fetch(`${proxy.url}/v1/keys/frozen`)).status).toBe(503)
      } finally {
        redis.resume()
      }
      const samples = await scrape()
      expect(sum(samples, 'redis_proxy_tier_errors_total{tier="redis",operation="get_with_ttl",reason="timeout"}')).toBe(1)
      expect(samples.get('redis_proxy_tier_command_duration_seconds_count{tier="redis",operation="get_with_ttl"}')).toBeGreaterThanOrEqual(1)
    }, 20_000)

    test('a killed Memcached: its failures counted as errors by reason, then its skipped calls apart, the breaker open', async () => {
      let samples = await scrape()
      expect(samples.get('redis_proxy_circuit_breaker_state{tier="memcached"}')).toBe(0)
      expect(samples.get('redis_proxy_tier_skipped_total{tier="memcached",operation="get"}')).toBe(0)
      const missesBefore = samples.get('redis_proxy_cache_lookups_total{tier="redis",result="miss"}')!

      await memcached.kill()
      for (let i = 0; i < 8; i++) expect((await fetch(`${proxy.url}/v1/keys/gone-${i}`)).status).toBe(404)

      samples = await scrape()
      expect(samples.get('redis_proxy_circuit_breaker_state{tier="memcached"}')).toBe(1)
      const failed = sum(samples, 'redis_proxy_tier_errors_total{tier="memcached",operation="get"')
      const skipped = samples.get('redis_proxy_tier_skipped_total{tier="memcached",operation="get"}')!
      // Three failed reads open the circuit (GuardedLocalTier's threshold); the other reads are skipped, not failed.
      expect(failed).toBe(3)
      expect(skipped).toBe(5)
      expect(samples.get('redis_proxy_tier_errors_total{tier="memcached",operation="get",reason="error"}')).toBe(0)
      expect(samples.get('redis_proxy_cache_lookups_total{tier="redis",result="miss"}')! - missesBefore).toBe(8)
    }, 30_000)

    test('what the alerts compare: the staleness bound as configured, and the Redis connection, down once Redis is killed', async () => {
      let samples = await scrape()
      expect(samples.get('redis_proxy_staleness_bound_seconds')).toBe(60)
      expect(samples.get('redis_proxy_redis_connected')).toBe(1)
      await redis.kill()
      await eventually(async () => (await scrape()).get('redis_proxy_redis_connected') === 0, 'redis_proxy_redis_connected to be 0', 10_000, 50)
      samples = await scrape()
      expect(samples.get('redis_proxy_redis_connected')).toBe(0)
    }, 20_000)
  })
}

import { describe, expect, test } from 'bun:test'
import { startProxy, type ProxyProcess, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { servicesForFile } from '../harness/file-services.ts'
import { cacheLocally } from '../coherence/key-client.ts'
import { getKey, median, putKey, report, timedFetch } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

const services = servicesForFile()

function proxyWith(localCache: 'memcached' | 'none'): Promise<ProxyProcess> {
  return startProxy('bun', { ...SHIPPED_STALENESS_BOUND, REDIS_URL: `redis://127.0.0.1:${services.redis.port}`, LOCAL_CACHE: localCache, MEMCACHED_SERVERS: `127.0.0.1:${services.memcached.port}` })
}

const logged = (proxy: ProxyProcess, message: string) => () => proxy.output().split('\n').some((line) => line.includes(`"msg":"${message}"`))

describe('Memcached faults never reach the client', () => {
  test('killed mid-traffic: every answer stays 200, and after a restart the tier is used again', async () => {
    const proxy = await proxyWith('memcached')
    try {
      for (let i = 0; i < 10; i++) expect((await putKey(proxy.url, `kill-${i}`, `v${i}`)).status).toBe(200)
      const statuses: number[] = []
      let running = true
      const traffic = (async () => {
        for (let i = 0; running; i++) {
          const answer = i % 3 === 0 ? await putKey(proxy.url, `kill-${i % 10}`, `v${i % 10}`) : await getKey(proxy.url, `kill-${i % 10}`)
          statuses.push(answer.status)
          if (answer.status === 200) expect(answer.body.value).toBe(`v${i % 10}`)
        }
      })()
      await eventually(() => statuses.length > 20, 'traffic to flow')
      await services.memcached.kill()
      await eventually(logged(proxy, 'local tier bypassed'), 'the breaker to open')
      const ready = await timedFetch(`${proxy.url}/readyz`)
      expect(ready).toMatchObject({ status: 200, body: { tiers: { redis: 'up', local: { kind: 'memcached', state: 'down' } } } })
      const killedCount = statuses.length
      await eventually(() => statuses.length > killedCount + 50, 'traffic to flow without Memcached')

      await services.memcached.restart()
      const restartedAt = performance.now()
      await eventually(logged(proxy, 'local tier in use again'), 'the breaker to close', 10_000)
      report('Memcached restarted → tier in use again (cool-down 1 s)', performance.now() - restartedAt)
      running = false
      await traffic
      expect(statuses.filter((s) => s !== 200)).toEqual([])
      // Served from Memcached again (a read goes to Redis while the newest heartbeat is older than the bound, as on a loaded machine).
      await cacheLocally(proxy, 'kill-1', 'v1')
      expect((await timedFetch(`${proxy.url}/readyz`)).body.tiers.local.state).toBe('up')
    } finally {
      await proxy.stop()
    }
  }, 30_000)

  test('frozen: once the breaker opens, requests cost about as much as with no local tier; nothing stale after SIGCONT', async () => {
    const [proxy, bare] = await Promise.all([proxyWith('memcached'), proxyWith('none')])
    try {
      for (let i = 0; i < 10; i++) expect((await putKey(proxy.url, `frozen-${i}`, 'before')).status).toBe(200)
      services.memcached.freeze()
      try {
        const first = await getKey(proxy.url, 'frozen-0')
        expect(first).toMatchObject({ status: 200, body: { value: 'before', source: 'redis' } })
        expect(first.ms).toBeLessThan(1_500)
        report('first read with Memcached frozen (before the breaker opens)', first.ms)
        // Reads open the breaker after 3 failures in a row (a lease-guarded fill is a read, not a write).
        await eventually(async () => (await getKey(proxy.url, 'frozen-1')).status === 200 && logged(proxy, 'local tier bypassed')(), 'the breaker to open')

        const guarded: number[] = []
        const none: number[] = []
        for (let i = 0; i < 40; i++) {
          const a = await getKey(proxy.url, `frozen-${i % 10}`)
          const b = await getKey(bare.url, `frozen-${i % 10}`)
          expect([a.status, b.status]).toEqual([200, 200])
          guarded.push(a.ms)
          none.push(b.ms)
        }
        report('median read, Memcached frozen, breaker open', median(guarded))
        report('median read, LOCAL_CACHE=none', median(none))
        expect(median(guarded)).toBeLessThan(2 * median(none) + 5)
        // Written while the tier is skipped: Memcached still holds 'before' for it.
        expect((await putKey(proxy.url, 'frozen-0', 'after')).status).toBe(200)
      } finally {
        services.memcached.resume()
      }
      await eventually(logged(proxy, 'local tier in use again'), 'the breaker to close', 10_000)
      expect((await getKey(proxy.url, 'frozen-0')).body).toMatchObject({ value: 'after', source: 'redis' })
      await cacheLocally(proxy, 'frozen-0', 'after')
      const bypassed = proxy.output().split('\n').filter((line) => line.includes('"msg":"local tier bypassed"'))
      expect(bypassed).toHaveLength(1)
    } finally {
      services.memcached.resume()
      await Promise.all([proxy.stop(), bare.stop()])
    }
  }, 30_000)
})

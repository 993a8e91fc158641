import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { getKey, report, timedFetch } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

const LIMIT = 4

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`MAX_CONCURRENT_REQUESTS on ${runtime}`, () => {
    test('while Redis is paused, requests beyond the limit get a fast 503 overloaded; /healthz still answers', async () => {
      const proxy = await startProxy(runtime, {
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        LOCAL_CACHE: 'memory',
        REDIS_TIMEOUT_MS: '5000',
        MAX_CONCURRENT_REQUESTS: String(LIMIT),
      })
      const inspector = redisInspector(redis)
      try {
        await inspector.client('PAUSE', 1_500, 'ALL')
        const held = Array.from({ length: LIMIT }, (_, i) => getKey(proxy.url, `${runtime}-held-${i}`))
        await Bun.sleep(300)
        const excess = await Promise.all(Array.from({ length: 10 }, (_, i) => getKey(proxy.url, `${runtime}-excess-${i}`)))
        for (const answer of excess) {
          expect(answer.status).toBe(503)
          expect(answer.headers.get('retry-after')).toBe('1')
          expect(answer.body).toEqual({ error: { code: 'overloaded', message: expect.any(String) } })
        }
        const slowest = Math.max(...excess.map((a) => a.ms))
        report(`${runtime}: slowest of 10 refusals at the limit`, slowest)
        // Refused, not queued: answered long before Redis (paused 1.5 s) could have answered them.
        expect(slowest).toBeLessThan(1_000)
        expect((await timedFetch(`${proxy.url}/healthz`)).status).toBe(200)

        // The held requests finish once Redis answers, and free their places.
        expect((await Promise.all(held)).map((a) => a.status)).toEqual(Array(LIMIT).fill(404))
        const after = await Promise.all(Array.from({ length: LIMIT }, (_, i) => getKey(proxy.url, `${runtime}-after-${i}`)))
        expect(after.map((a) => a.status)).toEqual(Array(LIMIT).fill(404))
        const messages = () => proxy.output().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)
        // The line travels through the proxy's stdout pipe: it may reach this process after the answers do.
        await eventually(() => messages().includes('admitting requests again'), 'the log line saying requests are admitted again', 5_000, 20)
        expect(messages().filter((m) => m === 'overloaded: refusing requests')).toHaveLength(1)
        expect(messages().filter((m) => m === 'admitting requests again')).toHaveLength(1)
      } finally {
        inspector.disconnect()
        await proxy.stop()
      }
    }, 30_000)
  })
}

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { getKey, putKey, report, timedFetch } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

const TIMEOUT_MS = 300
/** Fault-detection bound: a loaded 2-core machine, so three times the timeout plus room. */
const BOUND_MS = 3 * TIMEOUT_MS + 300

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`Redis frozen (SIGSTOP) under the ${runtime} proxy`, () => {
    test('local hits stay 200; misses, writes and readyz answer 503 within the bound; all recover after SIGCONT', async () => {
      const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', REDIS_TIMEOUT_MS: String(TIMEOUT_MS) })
      const inspector = redisInspector(redis)
      const hot = `${runtime}-hot`
      const doomed = `${runtime}-doomed`
      try {
        expect((await putKey(proxy.url, hot, 'cached')).status).toBe(200)
        expect((await putKey(proxy.url, doomed, 'old')).status).toBe(200)
        redis.freeze()
        let resumedAt = 0
        try {
          const hit = await getKey(proxy.url, hot)
          expect(hit).toMatchObject({ status: 200, body: { value: 'cached', source: 'local' } })

          const miss = await getKey(proxy.url, `${runtime}-absent`)
          expect(miss.status).toBe(503)
          expect(miss.headers.get('retry-after')).toBe('1')
          expect(miss.body).toEqual({ error: { code: 'redis_unavailable', message: expect.any(String) } })
          expect(miss.ms).toBeLessThan(BOUND_MS)
          report(`${runtime}: read miss while Redis is frozen → 503`, miss.ms)

          const write = await putKey(proxy.url, doomed, 'new')
          expect(write.status).toBe(503)
          expect(write.ms).toBeLessThan(BOUND_MS)
          report(`${runtime}: write while Redis is frozen → 503`, write.ms)
          // Its outcome is unknown, so the local copy 'old' must not be served any more.
          const afterWrite = await getKey(proxy.url, doomed)
          expect(afterWrite.status).toBe(503)

          const ready = await timedFetch(`${proxy.url}/readyz`)
          expect(ready.status).toBe(503)
          expect(ready.body).toMatchObject({ status: 'unavailable', tiers: { redis: 'down', local: { kind: 'memory', state: 'up' } } })
          expect(ready.ms).toBeLessThan(BOUND_MS)
          report(`${runtime}: /readyz while Redis is frozen → 503`, ready.ms)

          expect((await timedFetch(`${proxy.url}/healthz`)).status).toBe(200)
        } finally {
          redis.resume()
          resumedAt = performance.now()
        }
        await eventually(async () => (await timedFetch(`${proxy.url}/readyz`)).status === 200, 'readyz to recover', 5_000, 20)
        await eventually(async () => (await getKey(proxy.url, `${runtime}-absent`)).status === 404, 'reads to recover', 5_000, 20)
        report(`${runtime}: SIGCONT → readyz 200 and reads answered`, performance.now() - resumedAt)
        // Whatever Redis ended up with for the write that timed out, the proxy agrees with it.
        const settled = await getKey(proxy.url, doomed)
        expect(settled.status).toBe(200)
        expect(settled.body.value).toBe((await inspector.get(doomed))!)
        expect((await putKey(proxy.url, doomed, 'newest')).status).toBe(200)
        expect(await inspector.get(doomed)).toBe('newest')
        // Logged once per change of state, not once per failed request.
        const messages = () => proxy.output().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)
        // Log lines come through the proxy's stdout pipe, possibly after the answers.
        await eventually(() => messages().includes('redis commands answered again'), 'the log line saying Redis answers again', 5_000, 20)
        expect(messages().filter((m) => m === 'redis commands failing')).toHaveLength(1)
        expect(messages().filter((m) => m === 'redis commands answered again')).toHaveLength(1)
      } finally {
        redis.resume()
        inspector.disconnect()
        await proxy.stop()
      }
    }, 30_000)
  })
}

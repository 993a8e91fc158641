import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { report, timedFetch } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

const TIMEOUT_MS = 300
/** Fault-detection bound: a loaded 2-core machine, so three times the timeout plus room. */
const BOUND_MS = 3 * TIMEOUT_MS + 300

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

const post = (url: string, body: unknown) => timedFetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`mget and mset with Redis frozen (SIGSTOP), ${runtime} proxy`, () => {
    // MAX_STALENESS_MS is long so that local copies stay servable while heartbeats go unanswered.
    test('local hits answer; anything needing Redis is a 503 in bound; the mset lands all or none and the proxy agrees', async () => {
      const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', REDIS_TIMEOUT_MS: String(TIMEOUT_MS), MAX_STALENESS_MS: '600000' })
      const inspector = redisInspector(redis)
      const [one, two, absent] = [`${runtime}-f1`, `${runtime}-f2`, `${runtime}-absent`]
      try {
        expect((await post(`${proxy.url}/v1/mset`, { pairs: { [one]: 'old', [two]: 'old' } })).status).toBe(200)
        // Local copies once the invalidation stream is up (the tier is set aside until it is).
        await eventually(async () => (await post(`${proxy.url}/v1/mget`, { keys: [one, two] })).body.results.every((r: { source: string }) => r.source === 'local'), 'local copies', 10_000, 20)
        redis.freeze()
        try {
          const hits = await post(`${proxy.url}/v1/mget`, { keys: [one, two] })
          expect(hits).toMatchObject({ status: 200, body: { results: [{ value: 'old', source: 'local' }, { value: 'old', source: 'local' }] } })

          const miss = await post(`${proxy.url}/v1/mget`, { keys: [one, absent] })
          expect(miss).toMatchObject({ status: 503, body: { error: { code: 'redis_unavailable' } } })
          expect(miss.headers.get('retry-after')).toBe('1')
          expect(miss.ms).toBeLessThan(BOUND_MS)
          report(`${runtime}: mget with a miss while Redis is frozen → 503`, miss.ms)

          const write = await post(`${proxy.url}/v1/mset`, { pairs: { [one]: 'new', [two]: 'new' } })
          expect(write).toMatchObject({ status: 503, body: { error: { code: 'redis_unavailable' } } })
          expect(write.ms).toBeLessThan(BOUND_MS)
          report(`${runtime}: mset while Redis is frozen → 503`, write.ms)
          // Its outcome is unknown: neither local copy may be served any more.
          expect((await post(`${proxy.url}/v1/mget`, { keys: [two] })).status).toBe(503)
        } finally {
          redis.resume()
        }
        await eventually(async () => (await post(`${proxy.url}/v1/mget`, { keys: [absent] })).status === 200, 'mget to recover', 5_000, 20)
        const stored = await inspector.mget(one, two)
        expect(stored[0]).toBe(stored[1])
        const seen = await post(`${proxy.url}/v1/mget`, { keys: [one, two] })
        expect(seen.body.results.map((r: { value: string }) => r.value)).toEqual(stored)
      } finally {
        redis.resume()
        inspector.disconnect()
        await proxy.stop()
      }
    }, 30_000)
  })
}

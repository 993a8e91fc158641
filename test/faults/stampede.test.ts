import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { getKey } from '../harness/timed-fetch.ts'

let redis: ServiceProcess
let proxy: ProxyProcess
beforeAll(async () => {
  redis = await startRedis()
  proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', REDIS_TIMEOUT_MS: '5000' })
})
afterAll(async () => {
  await proxy.stop()
  await redis.stop()
})

describe('stampede protection through HTTP', () => {
  test('100 concurrent requests for one key missing locally cost exactly one Redis GET', async () => {
    const inspector = redisInspector(redis)
    try {
      await inspector.set('hot', 'popular')
      await inspector.config('RESETSTAT')
      // Hold Redis so that every request arrives while the first GET is still unanswered.
      await inspector.client('PAUSE', 1_000, 'ALL')
      const answers = await Promise.all(Array.from({ length: 100 }, () => getKey(proxy.url, 'hot')))
      expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200))
      expect(answers.every((a) => a.body.value === 'popular')).toBe(true)
      // All waited for the one GET (none was served from the local tier it filled).
      expect(answers.filter((a) => a.body.source === 'redis').length).toBe(100)
      const stats = await inspector.info('commandstats')
      expect(Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1])).toBe(1)
    } finally {
      inspector.disconnect()
    }
  }, 30_000)
})

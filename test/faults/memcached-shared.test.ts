import { describe, expect, test } from 'bun:test'
import memjs from 'memjs'
import { startProxy } from '../harness/proxy-process.ts'
import { servicesForFile } from '../harness/file-services.ts'
import { getKey, putKey } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

const services = servicesForFile()

describe('a Memcached shared with another application', () => {
  test("its keys survive a FLUSHALL in Redis, a Redis restart and the breaker's open and close; our copies do not", async () => {
    const other = memjs.Client.create(`127.0.0.1:${services.memcached.port}`, { retries: 0, timeout: 0.5, logger: { log: () => {} } })
    const theirs = async () => (await other.get('other-app:session')).value?.toString()
    await other.set('other-app:session', 'theirs', { expires: 0 })
    const proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${services.redis.port}`, LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${services.memcached.port}` })
    const count = (message: string) => proxy.output().split('\n').filter((line) => line.includes(`"msg":"${message}"`)).length
    /** A value cached locally, then changed straight in Redis with the proxy unable to hear of it. */
    const cached = async (key: string) => {
      expect((await putKey(proxy.url, key, 'ours')).status).toBe(200)
      expect((await getKey(proxy.url, key)).body).toMatchObject({ value: 'ours', source: 'local' })
    }
    try {
      await cached('flushed')
      await services.inspector.flushall()
      await eventually(async () => (await getKey(proxy.url, 'flushed')).status === 404, 'the flush to reach the proxy')
      expect(await theirs()).toBe('theirs')

      await cached('restarted')
      const coherent = count('local tier kept coherent by redis invalidations')
      await services.redis.kill()
      await services.redis.restart()
      await eventually(() => count('local tier kept coherent by redis invalidations') > coherent, 'tracking to be on again', 10_000)
      expect((await getKey(proxy.url, 'restarted')).status).toBe(404)
      expect(await theirs()).toBe('theirs')

      await cached('skipped')
      services.memcached.freeze()
      try {
        await eventually(async () => (await getKey(proxy.url, 'skipped')).status === 200 && count('local tier bypassed') === 1, 'the breaker to open')
        // Changed while the tier is skipped: Memcached still holds 'ours'.
        await services.inspector.set('skipped', 'changed')
      } finally {
        services.memcached.resume()
      }
      await eventually(() => count('local tier in use again') === 1, 'the breaker to close', 10_000)
      expect((await getKey(proxy.url, 'skipped')).body).toMatchObject({ value: 'changed', source: 'redis' })
      expect(await theirs()).toBe('theirs')
    } finally {
      services.memcached.resume()
      other.close()
      await proxy.stop()
    }
  }, 40_000)
})

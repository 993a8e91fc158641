import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { timedFetch } from '../harness/timed-fetch.ts'

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } })

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`mget, mset, ttl, DELETE and request Cache-Control through the real ${runtime} server`, () => {
    test('answer alike on both runtimes', async () => {
      const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', LOCAL_INVALIDATION: 'off' })
      const inspector = redisInspector(redis)
      const k = (name: string) => `${runtime}:${name}`
      try {
        let res = await timedFetch(`${proxy.url}/v1/mset`, json({ pairs: { [k('a')]: '1', [k('b')]: '2' }, ttl: 60 }))
        expect(res).toMatchObject({ status: 200, body: { results: [{ key: k('a'), created: true }, { key: k('b'), created: true }] } })
        res = await timedFetch(`${proxy.url}/v1/mget`, json({ keys: [k('a'), k('none'), k('b')] }))
        expect(res.body).toEqual({ results: [{ key: k('a'), value: '1', source: 'local' }, { key: k('none'), value: null, source: 'redis' }, { key: k('b'), value: '2', source: 'local' }] })

        await inspector.rpush(k('L'), 'x')
        res = await timedFetch(`${proxy.url}/set`, json({ [k('c')]: '3', [k('L')]: 'x' }))
        expect(res).toMatchObject({ status: 409, body: { error: { code: 'wrong_type' } } })
        expect(await inspector.exists(k('c'))).toBe(0)
        res = await timedFetch(`${proxy.url}/v1/keys/${encodeURIComponent(k('L'))}`, { method: 'DELETE' })
        expect(res.status).toBe(409)
        expect(await inspector.llen(k('L'))).toBe(1)

        res = await timedFetch(`${proxy.url}/v1/keys/${encodeURIComponent(k('a'))}/ttl`)
        expect(res).toMatchObject({ status: 200, body: { key: k('a'), ttl: 60 } })

        await inspector.set(k('a'), 'straight to Redis')
        res = await timedFetch(`${proxy.url}/v1/keys/${encodeURIComponent(k('a'))}`, { headers: { 'Cache-Control': 'no-cache' } })
        expect(res).toMatchObject({ status: 200, body: { value: 'straight to Redis', source: 'redis' } })
        res = await timedFetch(`${proxy.url}/v1/keys/${encodeURIComponent(k('never'))}`, { headers: { 'Cache-Control': 'only-if-cached' } })
        expect(res).toMatchObject({ status: 504, body: { error: { code: 'not_cached' } } })

        res = await timedFetch(`${proxy.url}/v1/mget`, json({ keys: Array.from({ length: 1001 }, (_, i) => `${i}`) }))
        expect(res).toMatchObject({ status: 413, body: { error: { code: 'too_many_keys' } } })
      } finally {
        inspector.disconnect()
        await proxy.stop()
      }
    }, 40_000)
  })
}

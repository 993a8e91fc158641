import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { EXOTIC_KEYS } from '../cache/tiers/tier-contract.ts'

let redis: ServiceProcess
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { maxValueBytes: 1000 })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

const put = (key: string, body: unknown) =>
  f.app.request(`/v1/keys/${encodeURIComponent(key)}`, { method: 'PUT', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })
const get = (key: string) => f.app.request(`/v1/keys/${encodeURIComponent(key)}`)
const del = (key: string) => f.app.request(`/v1/keys/${encodeURIComponent(key)}`, { method: 'DELETE' })

describe('/v1/keys/:key', () => {
  test('PUT creates, then overwrites; GET tells the source; DELETE removes', async () => {
    let res = await put('k', { value: 'v1' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ key: 'k', value: 'v1', created: true })
    res = await put('k', { value: 'v2' })
    expect(await res.json()).toEqual({ key: 'k', value: 'v2', created: false })
    res = await get('k')
    expect(await res.json()).toEqual({ key: 'k', value: 'v2', source: 'local' })
    await f.cache.local.clear()
    res = await get('k')
    expect(await res.json()).toEqual({ key: 'k', value: 'v2', source: 'redis' })
    res = await del('k')
    expect(await res.json()).toEqual({ key: 'k', deleted: true })
    res = await get('k')
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('key_not_found')
    res = await del('k')
    expect(await res.json()).toEqual({ key: 'k', deleted: false })
  })

  test('ttl sets the Redis expiry, 0 means none, absent means the default', async () => {
    await put('t1', { value: 'v', ttl: 50 })
    expect(await f.redis.ttl('t1')).toBeGreaterThan(45)
    await put('t2', { value: 'v', ttl: 0 })
    expect(await f.redis.ttl('t2')).toBe(-1)
    await put('t3', { value: 'v' })
    expect(await f.redis.ttl('t3')).toBeGreaterThan(2990)
  })

  test('exotic keys round-trip through URL-encoded paths', async () => {
    for (const [index, key] of EXOTIC_KEYS.entries()) {
      expect((await put(key, { value: `v:${index}` })).status).toBe(200)
      await f.cache.local.delete(key)
      const res = await get(key)
      expect(await res.json()).toEqual({ key, value: `v:${index}`, source: 'redis' })
      expect(await f.redis.get(key)).toBe(`v:${index}`)
    }
  })

  test('a key holding another Redis type answers 409 and is left alone', async () => {
    await f.redis.rpush('list', 'a')
    let res = await get('list')
    expect(res.status).toBe(409)
    expect((await res.json()).error.code).toBe('wrong_type')
    res = await put('list', { value: 'v' })
    expect(res.status).toBe(409)
    expect(await f.redis.type('list')).toBe('list')
  })

  test('bad input is a 4xx with the error shape and changes nothing', async () => {
    const cases: [Response, number][] = [
      [await put('b', { value: 5 }), 400],
      [await put('b', { value: null }), 400],
      [await put('b', { value: 'v', ttl: -1 }), 400],
      [await put('b', { value: 'v', ttl: 1.5 }), 400],
      [await put('b', { value: 'x'.repeat(1001) }), 413],
      [await put('k'.repeat(1025), { value: 'v' }), 400],
    ]
    for (const [res, status] of cases) {
      expect(res.status).toBe(status)
      const body = await res.json()
      expect(body.error.code).toMatch(/^[a-z_]+$/)
      expect(body.error.message.length).toBeGreaterThan(5)
    }
    expect(await f.redis.exists('b')).toBe(0)
  })

  test('healthz and readyz answer', async () => {
    expect(await (await f.app.request('/healthz')).json()).toEqual({ status: 'ok' })
    const res = await f.app.request('/readyz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ready', tiers: { redis: 'up', local: { kind: 'memory', state: 'up', suspended: false } } })
  })
})

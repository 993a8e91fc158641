import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { appFixture, localTierFor, redisInspector, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let inspector: Redis
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  inspector = redisInspector(redis)
  f = appFixture(redis, localTierFor('memory'))
})
afterAll(async () => {
  inspector.disconnect()
  await f.close()
  await redis.stop()
})
beforeEach(async () => {
  await inspector.flushall()
  await f.local.clear()
})

const ttlOf = (key: string) => f.app.request(`/v1/keys/${encodeURIComponent(key)}/ttl`)
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

describe('GET /v1/keys/:key/ttl', () => {
  test('whole seconds left, rounded up; null without expiry; 404 when absent', async () => {
    await inspector.set('t', 'v', 'EX', 100)
    let res = await ttlOf('t')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ key: 't', ttl: expect.any(Number) })
    const { ttl } = (await (await ttlOf('t')).json()) as { ttl: number }
    expect(ttl).toBeWithin(95, 101)
    // 300 ms left is 1 second, never 0 (a PUT's ttl 0 means "no expiry").
    await inspector.set('soon', 'v', 'PX', 300)
    expect(await (await ttlOf('soon')).json()).toEqual({ key: 'soon', ttl: 1 })
    await inspector.set('forever', 'v')
    expect(await (await ttlOf('forever')).json()).toEqual({ key: 'forever', ttl: null })
    res = await ttlOf('absent')
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('key_not_found')
  })

  test('a PUT with a ttl reads back as that ttl', async () => {
    await f.app.request('/v1/keys/p', { method: 'PUT', body: JSON.stringify({ value: 'v', ttl: 60 }), headers: { 'Content-Type': 'application/json' } })
    expect(await (await ttlOf('p')).json()).toEqual({ key: 'p', ttl: 60 })
  })

  test('keys with slashes and percent signs, and a key named ttl', async () => {
    await inspector.set('a/ttl', 'v', 'EX', 50)
    await inspector.set('ttl', 'w')
    await inspector.set('100%', 'x', 'EX', 70)
    expect(await (await ttlOf('a/ttl')).json()).toMatchObject({ key: 'a/ttl', ttl: 50 })
    expect(await (await ttlOf('ttl')).json()).toEqual({ key: 'ttl', ttl: null })
    expect(await (await f.app.request('/v1/keys/ttl')).json()).toMatchObject({ key: 'ttl', value: 'w' })
    expect(await (await ttlOf('100%')).json()).toMatchObject({ key: '100%', ttl: 70 })
    const malformed = await f.app.request('/v1/keys/%E0%A4%A/ttl')
    expect(malformed.status).toBe(400)
    expect(await errorCode(malformed)).toBe('invalid_key')
    expect((await f.app.request('/v1/keys/x/ttl', { method: 'PUT' })).status).toBe(405)
  })

  test('a key of another type answers 409, as every /v1/keys/:key route does', async () => {
    await inspector.rpush('L', 'x')
    const res = await ttlOf('L')
    expect(res.status).toBe(409)
    expect(await errorCode(res)).toBe('wrong_type')
  })
})

describe('DELETE /v1/keys/:key', () => {
  test('a key of another type answers 409 and survives', async () => {
    await inspector.hset('H', 'field', 'value')
    const res = await f.app.request('/v1/keys/H', { method: 'DELETE' })
    expect(res.status).toBe(409)
    expect(await errorCode(res)).toBe('wrong_type')
    expect(await inspector.hgetall('H')).toEqual({ field: 'value' })
  })

  test('a string is deleted from Redis and the local tier', async () => {
    await f.app.request('/v1/keys/s', { method: 'PUT', body: JSON.stringify({ value: 'v' }), headers: { 'Content-Type': 'application/json' } })
    expect(await f.local.get('s')).toBe('v')
    const res = await f.app.request('/v1/keys/s', { method: 'DELETE' })
    expect(await res.json()).toEqual({ key: 's', deleted: true })
    expect(await inspector.exists('s')).toBe(0)
    expect(await f.local.get('s')).toBeUndefined()
  })
})

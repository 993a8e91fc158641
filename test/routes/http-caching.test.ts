import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let one: AppFixture
let two: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  one = appFixture(redis, localTierFor('memory'))
  two = appFixture(redis, localTierFor('memory'))
})
afterAll(async () => {
  await Promise.all([one.close(), two.close()])
  await redis.stop()
})

const put = (f: AppFixture, key: string, value: string) =>
  f.app.request(`/v1/keys/${key}`, { method: 'PUT', body: JSON.stringify({ value }), headers: { 'Content-Type': 'application/json' } })

describe('GET /v1/keys/:key and HTTP caching', () => {
  test('a strong ETag of the value, the same on every instance and from every tier; X-Cache says which tier answered', async () => {
    await put(one, 'tagged', 'v1')
    const fromLocal = await one.app.request('/v1/keys/tagged')
    const fromRedis = await two.app.request('/v1/keys/tagged')
    const etag = fromLocal.headers.get('etag')
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{16}"$/)
    expect(fromRedis.headers.get('etag')).toBe(etag)
    expect(fromLocal.headers.get('x-cache')).toBe('local')
    expect(fromRedis.headers.get('x-cache')).toBe('redis')
    expect((await two.app.request('/v1/keys/tagged')).headers.get('x-cache')).toBe('local')
    // Raw bytes of the same value carry the same tag: it is of the bytes, not of the JSON around them.
    expect((await two.app.request('/v1/keys/tagged', { headers: { Accept: 'application/octet-stream' } })).headers.get('etag')).toBe(etag)
    await put(one, 'tagged', 'v2')
    expect((await one.app.request('/v1/keys/tagged')).headers.get('etag')).not.toBe(etag)
  })

  test('If-None-Match with the current tag answers 304 without a body; another tag gets the value', async () => {
    await put(one, 'revalidated', 'same')
    const etag = (await one.app.request('/v1/keys/revalidated')).headers.get('etag')!
    for (const f of [one, two]) {
      const notModified = await f.app.request('/v1/keys/revalidated', { headers: { 'If-None-Match': `"other", ${etag}` } })
      expect(notModified.status).toBe(304)
      expect(await notModified.text()).toBe('')
      expect(notModified.headers.get('etag')).toBe(etag)
    }
    await put(two, 'revalidated', 'changed')
    // Read where the write happened: these fixtures run no invalidation listener.
    const changed = await two.app.request('/v1/keys/revalidated', { headers: { 'If-None-Match': etag } })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ value: 'changed' })
  })

  test('value answers may be stored by the client only to be revalidated', async () => {
    await put(one, 'cc', 'x')
    expect((await one.app.request('/v1/keys/cc')).headers.get('cache-control')).toBe('private, no-cache')
  })

  test("the seed's GET /?key= tells the tier in X-Cache, its body unchanged", async () => {
    await put(one, 'seeded', 'v')
    const fromRedis = await two.app.request('/?key=seeded')
    expect(fromRedis.headers.get('x-cache')).toBe('redis')
    expect(await fromRedis.json()).toEqual({ Key: 'seeded', Value: 'v', message: '<br>Key not found in local cache<br><b>Key found in redis cache</b>', status: 'successful' })
    const fromLocal = await two.app.request('/?key=seeded')
    expect(fromLocal.headers.get('x-cache')).toBe('local')
    expect(await fromLocal.json()).toEqual({ Key: 'seeded', Value: 'v', message: '<br><b>Key found in local cache</b>', status: 'successful' })
  })
})

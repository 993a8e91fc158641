import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { localTierUse } from '../../src/http/request-cache-control.ts'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

const services = servicesForFile()

test('the directives that ask something of the local tier', () => {
  expect(localTierUse('no-cache')).toBe('skip')
  expect(localTierUse('No-Cache')).toBe('skip')
  expect(localTierUse('max-age=0')).toBe('skip')
  expect(localTierUse('max-age="0"')).toBe('skip')
  expect(localTierUse('no-transform, max-age=0')).toBe('skip')
  expect(localTierUse('only-if-cached')).toBe('only')
  expect(localTierUse('no-cache, only-if-cached')).toBe('only')
  expect(localTierUse('max-age=10')).toBeUndefined()
  expect(localTierUse('no-store')).toBeUndefined()
  expect(localTierUse('no-cachex')).toBeUndefined()
  expect(localTierUse('')).toBeUndefined()
})

for (const kind of ['memory', 'memcached'] as LocalKind[]) {
  describe(`request Cache-Control on GET, local tier ${kind}`, () => {
    let f: AppFixture
    beforeAll(() => {
      // Invalidations are off in these fixtures: a write straight to Redis leaves the local copy stale.
      f = appFixture(services.redis, localTierFor(kind, services.memcached))
    })
    afterAll(() => f.close())
    beforeEach(async () => {
      await services.inspector.flushall()
      await f.local.clear()
    })

    const put = (key: string, value: string) => f.app.request(`/v1/keys/${key}`, { method: 'PUT', body: JSON.stringify({ value }), headers: { 'Content-Type': 'application/json' } })
    const get = (path: string, cacheControl?: string, more: Record<string, string> = {}) =>
      f.app.request(path, { headers: cacheControl === undefined ? more : { 'Cache-Control': cacheControl, ...more } })

    test('no-cache and max-age=0 see a write made straight to Redis at once, while a local copy exists', async () => {
      await put('k', 'old')
      expect(await (await get('/v1/keys/k')).json()).toMatchObject({ value: 'old', source: 'local' })
      await services.inspector.set('k', 'new')
      expect(await (await get('/v1/keys/k')).json()).toMatchObject({ value: 'old', source: 'local' })
      for (const directive of ['no-cache', 'max-age=0']) {
        const res = await get('/v1/keys/k', directive)
        expect(res.headers.get('x-cache')).toBe('redis')
        expect(await res.json()).toEqual({ key: 'k', value: 'new', source: 'redis' })
      }
      const seed = await get('/?key=k', 'no-cache')
      expect(seed.headers.get('x-cache')).toBe('redis')
      expect(await seed.json()).toEqual({ Key: 'k', Value: 'new', message: '<br>Key not found in local cache<br><b>Key found in redis cache</b>', status: 'successful' })
      await services.inspector.del('k')
      const gone = await get('/v1/keys/k', 'no-cache')
      expect(gone.status).toBe(404)
    })

    test('no-cache keeps ETag and If-None-Match', async () => {
      await put('e', 'same')
      const etag = (await get('/v1/keys/e')).headers.get('etag')!
      const res = await get('/v1/keys/e', 'no-cache', { 'If-None-Match': etag })
      expect(res.status).toBe(304)
      expect(res.headers.get('x-cache')).toBe('redis')
      await services.inspector.set('e', 'changed')
      expect((await get('/v1/keys/e', 'no-cache', { 'If-None-Match': etag })).status).toBe(200)
    })

    test('only-if-cached answers the local copy, or 504 not_cached without asking Redis', async () => {
      await services.inspector.set('r', 'in redis only')
      const miss = await get('/v1/keys/r', 'only-if-cached')
      expect(miss.status).toBe(504)
      expect(((await miss.json()) as { error: { code: string } }).error.code).toBe('not_cached')
      const seedMiss = await get('/?key=r', 'only-if-cached')
      expect(seedMiss.status).toBe(504)
      // Nothing was read from Redis, so nothing was cached.
      expect(await f.local.get('r')).toBeUndefined()
      await get('/v1/keys/r')
      const hit = await get('/v1/keys/r', 'only-if-cached')
      expect(hit.status).toBe(200)
      expect(hit.headers.get('x-cache')).toBe('local')
      expect(hit.headers.get('etag')).toMatch(/^"/)
      expect(await hit.json()).toEqual({ key: 'r', value: 'in redis only', source: 'local' })
      expect(await (await get('/?key=r', 'only-if-cached')).json()).toEqual({ Key: 'r', Value: 'in redis only', message: '<br><b>Key found in local cache</b>', status: 'successful' })
    })

    test('only-if-cached serves nothing while the coherence gate sets the local tier aside', async () => {
      await put('g', 'v')
      f.cache.gate.suspend('test')
      try {
        expect((await get('/v1/keys/g', 'only-if-cached')).status).toBe(504)
      } finally {
        await f.cache.gate.resume('test', async () => {})
      }
      expect((await get('/v1/keys/g', 'only-if-cached')).status).toBe(200)
    })
  })
}

describe('request Cache-Control without a local tier', () => {
  let f: AppFixture
  beforeAll(() => {
    f = appFixture(services.redis, localTierFor('none'))
  })
  afterAll(() => f.close())

  test('only-if-cached is always 504; no-cache reads Redis', async () => {
    await services.inspector.set('n', 'v')
    expect((await f.app.request('/v1/keys/n', { headers: { 'Cache-Control': 'only-if-cached' } })).status).toBe(504)
    expect(await (await f.app.request('/v1/keys/n', { headers: { 'Cache-Control': 'no-cache' } })).json()).toEqual({ key: 'n', value: 'v', source: 'redis' })
    expect(await (await f.app.request('/?key=n', { headers: { 'Cache-Control': 'no-cache' } })).json()).toMatchObject({ message: '<br><b>Key found in redis cache</b>' })
  })
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type ProxyProcess, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { cacheLocally, deleteKey, msUntilFresh, readKey, writeKey } from './key-client.ts'

/** Real processes on a shared, loaded 2-core machine: room to start them, bounds kept in the assertions. */
const SLOW_MS = 30_000

/** Two proxy processes A and B on one Redis: what one changes, the other stops serving within 200 ms. */
const FRESH_WITHIN_MS = 200

let redis: ServiceProcess
let memcached: ServiceProcess
let inspector: Redis
let a: ProxyProcess
let b: ProxyProcess
beforeAll(async () => {
  ;[redis, memcached] = await Promise.all([startRedis(), startMemcached()])
  inspector = redisInspector(redis)
  const env = { ...SHIPPED_STALENESS_BOUND, REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory' }
  ;[a, b] = await Promise.all([startProxy('bun', env), startProxy('bun', env)])
}, SLOW_MS)
afterAll(async () => {
  inspector.disconnect()
  await Promise.all([a?.stop(), b?.stop()])
  await Promise.all([redis.stop(), memcached.stop()])
})

describe('two proxies on one Redis, memory tiers', () => {
  test('a key cached on B and written through A is read fresh from B', async () => {
    await writeKey(a, 'through-a', 'one')
    await cacheLocally(b, 'through-a', 'one')
    await writeKey(a, 'through-a', 'two')
    expect(await msUntilFresh(b, 'through-a', (x) => x.value === 'two')).toBeLessThan(FRESH_WITHIN_MS)
    // A keeps its own write as its local copy (the first read may go to Redis while A's newest heartbeat is older than the bound).
    await cacheLocally(a, 'through-a', 'two')
  }, SLOW_MS)

  test('a SET straight to Redis reaches both, keys with commas and spaces included', async () => {
    const key = 'straight, to redis'
    await inspector.set(key, 'one')
    await Promise.all([cacheLocally(a, key, 'one'), cacheLocally(b, key, 'one')])
    await inspector.set(key, 'two')
    const delays = await Promise.all([a, b].map((proxy) => msUntilFresh(proxy, key, (x) => x.value === 'two')))
    for (const delay of delays) expect(delay).toBeLessThan(FRESH_WITHIN_MS)
  }, SLOW_MS)

  test('a DELETE through A is a miss on B', async () => {
    await writeKey(a, 'deleted', 'v')
    await cacheLocally(b, 'deleted', 'v')
    await deleteKey(a, 'deleted')
    expect(await msUntilFresh(b, 'deleted', (x) => x.status === 404)).toBeLessThan(FRESH_WITHIN_MS)
  }, SLOW_MS)

  test('a key that Redis expires stops being served', async () => {
    await writeKey(a, 'expiring', 'v', 1)
    await cacheLocally(b, 'expiring', 'v')
    const written = performance.now()
    await msUntilFresh(b, 'expiring', (x) => x.status === 404, 3000)
    // Redis expires it after 1 s (its active expiry runs every 100 ms) and tells B.
    expect(performance.now() - written).toBeLessThan(1000 + 400)
  }, SLOW_MS)

  test('200 racing writes split over A and B leave A, B and Redis agreeing', async () => {
    const key = 'raced'
    await writeKey(a, key, 'start')
    await Promise.all([cacheLocally(a, key, 'start'), cacheLocally(b, key, 'start')])
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeKey(i % 2 === 0 ? a : b, key, `v${i}`)))
    const truth = (await inspector.get(key))!
    await Bun.sleep(FRESH_WITHIN_MS)
    for (const proxy of [a, b]) {
      for (let i = 0; i < 3; i++) expect((await readKey(proxy, key)).value).toBe(truth)
    }
  }, SLOW_MS)
})

describe('a FLUSHALL straight to Redis', () => {
  test('empties both local tiers', async () => {
    await writeKey(a, 'flushed', 'v')
    await Promise.all([cacheLocally(a, 'flushed', 'v'), cacheLocally(b, 'flushed', 'v')])
    await inspector.flushall()
    for (const proxy of [a, b]) expect(await msUntilFresh(proxy, 'flushed', (x) => x.status === 404)).toBeLessThan(FRESH_WITHIN_MS)
  }, SLOW_MS)
})

describe('a shared memcached tier', () => {
  test('a direct Redis write does not leave a stale value in Memcached', async () => {
    const env = { ...SHIPPED_STALENESS_BOUND, REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` }
    const [c, d] = await Promise.all([startProxy('bun', env), startProxy('bun', env)])
    try {
      await inspector.set('shared', 'one')
      await cacheLocally(c, 'shared', 'one')
      await cacheLocally(d, 'shared', 'one')
      await inspector.set('shared', 'two')
      for (const proxy of [c, d]) expect(await msUntilFresh(proxy, 'shared', (x) => x.value === 'two')).toBeLessThan(FRESH_WITHIN_MS)
    } finally {
      await Promise.all([c.stop(), d.stop()])
    }
  }, SLOW_MS)
})

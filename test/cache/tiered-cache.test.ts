import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { NoLocalTier } from '../../src/cache/tiers/no-local-tier.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import type { LocalTier } from '../../src/cache/tiers/local-tier.ts'
import { redisClientFor, redisInspector } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let server: ServiceProcess
let client: Redis
let inspector: Redis
beforeAll(async () => {
  server = await startRedis()
  client = redisClientFor(server)
  inspector = redisInspector(server)
})
afterAll(async () => {
  client.disconnect()
  inspector.disconnect()
  await server.stop()
})
beforeEach(async () => {
  await inspector.flushall()
  await inspector.config('RESETSTAT')
})

async function redisGets(command = 'get'): Promise<number> {
  const stats = await inspector.info('commandstats')
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
}

function cacheWith(local: LocalTier = new MemoryTier({ capacity: 100, ttlSeconds: 300 }), redisTtlSeconds = 3000) {
  return new TieredCache({ local, redis: new IoRedisStore(client), redisTtlSeconds })
}

describe('TieredCache read-through', () => {
  test('a miss in both tiers reports both steps', async () => {
    const outcome = await cacheWith().read('nope')
    expect(outcome.value).toBeUndefined()
    expect(outcome.source).toBeUndefined()
    expect(outcome.steps.map((s) => [s.tier, s.outcome])).toEqual([
      ['local', 'miss'],
      ['redis', 'miss'],
    ])
  })

  test('a Redis hit fills the local tier, the next read is a local hit', async () => {
    await inspector.set('k', 'from redis')
    const cache = cacheWith()
    const first = await cache.read('k')
    expect(first).toMatchObject({ value: 'from redis', source: 'redis' })
    const second = await cache.read('k')
    expect(second).toMatchObject({ value: 'from redis', source: 'local' })
    expect(second.steps).toHaveLength(1)
    expect(await redisGets()).toBe(1)
  })

  test('without a local tier every read goes to Redis', async () => {
    await inspector.set('k', 'v')
    const cache = cacheWith(new NoLocalTier())
    for (let i = 0; i < 3; i++) {
      const outcome = await cache.read('k')
      expect(outcome.source).toBe('redis')
      expect(outcome.steps.map((s) => s.tier)).toEqual(['redis'])
    }
    expect(await redisGets()).toBe(3)
    // No local copy to bound: no PTTL beside the GET.
    expect(await redisGets('pttl')).toBe(0)
  })

  test('concurrent misses for one key share one Redis GET', async () => {
    await inspector.set('hot', 'v')
    const cache = cacheWith()
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => cache.read('hot')))
    expect(outcomes.every((o) => o.value === 'v')).toBe(true)
    expect(await redisGets()).toBe(1)
  })

  test('a failing local tier is bypassed', async () => {
    const broken: LocalTier = {
      name: 'memcached',
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      clear: () => Promise.reject(new Error('down')),
      ping: () => Promise.reject(new Error('down')),
      close: async () => {},
    }
    const errors: string[] = []
    const cache = new TieredCache({ local: broken, redis: new IoRedisStore(client), redisTtlSeconds: 60, events: { onLocalError: (op) => errors.push(op) } })
    await cache.write('k', 'v')
    expect((await cache.read('k')).value).toBe('v')
    expect(errors).toContain('get')
    expect(errors).toContain('set')
  })
})

describe('TieredCache write-through', () => {
  test('writes Redis with the expiry and the local tier, and reports what existed', async () => {
    const cache = cacheWith(undefined, 120)
    const created = await cache.write('w', 'one')
    expect(created.created).toBe(true)
    expect(created.steps.map((s) => [s.tier, s.outcome])).toEqual([
      ['local', 'miss'],
      ['redis', 'miss'],
    ])
    expect(await inspector.get('w')).toBe('one')
    expect(await inspector.ttl('w')).toBeGreaterThan(115)
    expect(await cache.local.get('w')).toBe('one')

    const overwritten = await cache.write('w', 'two', 0)
    expect(overwritten.created).toBe(false)
    expect(overwritten.steps.map((s) => s.outcome)).toEqual(['hit', 'hit'])
    expect(await inspector.ttl('w')).toBe(-1)
    expect((await cache.read('w')).value).toBe('two')
  })

  test('an untraced write (/v1) does not read the local tier, and still fills it', async () => {
    const memory = new MemoryTier({ capacity: 100, ttlSeconds: 300 })
    let localGets = 0
    const counted: LocalTier = Object.assign(Object.create(memory) as MemoryTier, { get: (key: string) => (localGets++, memory.get(key)) })
    const cache = cacheWith(counted)
    const traced = await cache.write('k', 'v1')
    expect(localGets).toBe(1)
    expect(traced.steps.map((s) => s.tier)).toEqual(['local', 'redis'])
    const untraced = await cache.write('k', 'v2', undefined, { trace: false })
    expect(localGets).toBe(1)
    expect(untraced.steps.map((s) => s.tier)).toEqual(['redis'])
    expect(untraced.created).toBe(false)
    expect(await memory.get('k')).toBe('v2')
  })

  test('racing writes leave the local tier agreeing with Redis', async () => {
    const cache = cacheWith()
    await Promise.all(Array.from({ length: 100 }, (_, i) => cache.write('race', `v${i}`)))
    expect(await cache.local.get('race')).toBe((await inspector.get('race'))!)
  })

  test('a read overtaken by a write does not fill the local tier with the old value', async () => {
    await inspector.set('r', 'old')
    const cache = cacheWith()
    const read = cache.read('r')
    const write = cache.write('r', 'new')
    await Promise.all([read, write])
    expect(await cache.local.get('r')).toBe('new')
  })

  test('remove deletes from both tiers', async () => {
    const cache = cacheWith()
    await cache.write('d', 'v')
    expect(await cache.remove('d')).toBe(true)
    expect(await inspector.exists('d')).toBe(0)
    expect(await cache.local.get('d')).toBeUndefined()
    expect(await cache.remove('d')).toBe(false)
  })

  test('invalidate drops the local copy; the next read comes from Redis', async () => {
    const cache = cacheWith()
    await cache.write('i', 'v1')
    await inspector.set('i', 'v2')
    await cache.invalidate('i')
    expect(await cache.read('i')).toMatchObject({ value: 'v2', source: 'redis' })
  })
})

describe('TieredCache and Redis-side expiry, suspension', () => {
  test('a copy read from Redis lives no longer than the key in Redis', async () => {
    await inspector.set('short', 'v', 'PX', 300)
    const cache = cacheWith()
    expect(await cache.read('short')).toMatchObject({ source: 'redis' })
    expect(await cache.read('short')).toMatchObject({ source: 'local' })
    await Bun.sleep(350)
    expect(await cache.local.get('short')).toBeUndefined()
  })

  test('suspended: the local tier is neither read nor filled; resuming forgets what it held', async () => {
    const cache = cacheWith()
    await cache.write('held', 'before')
    cache.gate.suspend('test')
    await inspector.set('held', 'changed behind our back')
    const whileSuspended = await cache.read('held')
    expect(whileSuspended).toMatchObject({ value: 'changed behind our back', source: 'redis' })
    expect(whileSuspended.steps.map((s) => [s.tier, s.outcome])).toEqual([
      ['local', 'miss'],
      ['redis', 'hit'],
    ])
    await cache.write('written', 'while suspended')
    expect(await cache.local.get('written')).toBeUndefined()
    await cache.gate.resume('test', () => cache.forgetLocal())
    expect(cache.gate.suspended).toBe(false)
    expect(await cache.local.get('held')).toBeUndefined()
    expect(await cache.read('held')).toMatchObject({ value: 'changed behind our back', source: 'redis' })
    expect(await cache.read('held')).toMatchObject({ source: 'local' })
  })

  test('a read in flight when the tier is suspended does not fill it', async () => {
    await inspector.set('inflight', 'v')
    const cache = cacheWith()
    const read = cache.read('inflight')
    cache.gate.suspend('test')
    await read
    await cache.gate.resume('test', () => cache.forgetLocal())
    expect(await cache.local.get('inflight')).toBeUndefined()
  })

  test('a suspend during a slow resume wins', async () => {
    const cache = cacheWith()
    cache.gate.suspend('test')
    const resume = cache.gate.resume('test', () => cache.forgetLocal())
    cache.gate.suspend('test')
    await resume
    expect(cache.gate.suspended).toBe(true)
  })
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { StoreUnavailableError, WrongTypeError } from '../../../src/cache/errors.ts'
import { IoRedisStore } from '../../../src/cache/redis/redis-store.ts'
import { redisClientFor } from '../../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../../harness/service-process.ts'
import { tierContract } from '../tiers/tier-contract.ts'

let server: ServiceProcess
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => server.stop())

tierContract('redis', async () => {
  const client = redisClientFor(server)
  const store = new IoRedisStore(client)
  return {
    store: {
      get: async (key) => (await store.get(key)) ?? undefined,
      set: async (key, value, ttl) => void (await store.set(key, value, ttl ?? 0)),
      delete: async (key) => void (await store.delete(key)),
      ping: () => store.ping(),
    },
    close: () => store.close(),
  }
})

describe('IoRedisStore', () => {
  let client: Redis
  let store: IoRedisStore
  beforeAll(() => {
    client = redisClientFor(server)
    store = new IoRedisStore(client)
  })
  afterAll(() => client.disconnect())

  test('set tells whether the key existed and applies the expiry', async () => {
    expect(await store.set('s:k', 'v1', 100)).toEqual({ existed: false })
    expect(await client.ttl('s:k')).toBeGreaterThan(95)
    expect(await store.set('s:k', 'v2', 0)).toEqual({ existed: true })
    expect(await client.ttl('s:k')).toBe(-1)
  })

  test('delete tells whether the key existed', async () => {
    await store.set('s:d', 'v', 0)
    expect(await store.delete('s:d')).toBe(true)
    expect(await store.delete('s:d')).toBe(false)
  })

  test('a key of another type is a WrongTypeError and is left as it was', async () => {
    await client.rpush('s:list', 'a', 'b')
    expect(store.get('s:list')).rejects.toBeInstanceOf(WrongTypeError)
    expect(store.set('s:list', 'v', 0)).rejects.toBeInstanceOf(WrongTypeError)
    expect(await client.lrange('s:list', 0, -1)).toEqual(['a', 'b'])
  })

  test('an unreachable Redis is a StoreUnavailableError, quickly', async () => {
    const gone = await startRedis()
    const goneClient = redisClientFor(gone)
    const goneStore = new IoRedisStore(goneClient)
    await goneStore.ping()
    goneClient.options.enableOfflineQueue = false
    await gone.stop()
    const started = performance.now()
    expect(goneStore.get('k')).rejects.toBeInstanceOf(StoreUnavailableError)
    await goneStore.get('k').catch(() => {})
    expect(performance.now() - started).toBeLessThan(3000)
    goneClient.disconnect()
  })
})

import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { ObservedRedisStore, type RedisAvailabilityChange } from '../../../src/cache/redis/observed-redis-store.ts'
import { IoRedisStore } from '../../../src/cache/redis/redis-store.ts'
import { redisClientFor } from '../../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../../harness/service-process.ts'

let server: ServiceProcess
let client: Redis
beforeAll(async () => {
  server = await startRedis()
  client = redisClientFor(server, 200)
})
afterAll(async () => {
  client.disconnect()
  await server.stop()
})

test('a frozen Redis is reported once when its commands start timing out, and once when they answer again', async () => {
  const changes: RedisAvailabilityChange[] = []
  const store = new ObservedRedisStore(new IoRedisStore(client), (change) => changes.push(change))
  await store.set('k', 'v', 0)
  server.freeze()
  try {
    const failures = await Promise.allSettled([store.get('k'), store.get('k'), store.set('k', 'w', 0), store.ping()])
    expect(failures.every((f) => f.status === 'rejected')).toBe(true)
    expect(changes).toHaveLength(1)
    expect(changes[0]!.available).toBe(false)
    expect(changes[0]!.error?.message).toContain('Redis is unavailable')
  } finally {
    server.resume()
  }
  expect(await store.get('k')).not.toBeNull()
  await store.ping()
  expect(changes.map((c) => c.available)).toEqual([false, true])
})

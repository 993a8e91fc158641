import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import { MemcachedTier } from '../../src/cache/tiers/memcached-tier.ts'
import { memcachedClientFor, redisClientFor, redisInspector } from '../harness/cache-fixtures.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { startTcpRelay, type TcpRelay } from '../harness/tcp-relay.ts'

let redis: ServiceProcess
let memcached: ServiceProcess
let relay: TcpRelay
beforeAll(async () => {
  ;[redis, memcached] = await Promise.all([startRedis(), startMemcached()])
  relay = await startTcpRelay(redis.port)
})
afterAll(async () => {
  await relay.close()
  await Promise.all([redis.stop(), memcached.stop()])
})

/** An instance of the proxy's cache on the shared Memcached; `via` is the port its Redis connection goes to. */
function instance(via: number, clients: Redis[]): TieredCache {
  const client = redisClientFor({ ...redis, port: via })
  clients.push(client)
  const local = new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds: 300, keyPrefix: 'leases:' })
  return new TieredCache({ local, redis: new IoRedisStore(client), redisTtlSeconds: 0 })
}

describe('two instances on one Memcached', () => {
  test('a slow instance cannot fill an old value after another instance dropped the key on its invalidation', async () => {
    const clients: Redis[] = []
    const inspector = redisInspector(redis)
    // A talks to Redis through the relay, so its GET's reply can be held: A is the slow instance.
    const a = instance(relay.port, clients)
    const b = instance(redis.port, clients)
    try {
      await inspector.set('k', 'old')
      await clients[0]!.ping()
      const { down } = relay.connections.at(-1)!
      down.hold()
      const slowRead = a.read('k')
      await down.untilHeld(1)
      // A write lands; B's invalidation drops the key from Memcached. A's own invalidation is still on its way.
      await inspector.set('k', 'new')
      await b.invalidate('k')
      down.release()
      // A's read began before the write: its answer may be old, but it must not become the shared copy.
      expect((await slowRead).value).toBe('old')
      expect(await b.read('k')).toMatchObject({ value: 'new', source: 'redis' })
      expect(await b.read('k')).toMatchObject({ value: 'new', source: 'local' })
      expect(await a.read('k')).toMatchObject({ value: 'new', source: 'local' })
    } finally {
      inspector.disconnect()
      for (const client of clients) client.disconnect()
      await Promise.all([a.local.close(), b.local.close()])
    }
  })
})

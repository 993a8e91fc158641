import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { IoRedisStore } from '../../../src/cache/redis/redis-store.ts'
import { TieredCache } from '../../../src/cache/tiered-cache.ts'
import type { CircuitChange } from '../../../src/cache/tiers/guarded-local-tier.ts'
import { createMemcachedPool } from '../../../src/wiring/local-tier.ts'
import { redisClientFor } from '../../harness/cache-fixtures.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../../harness/service-process.ts'
import { eventually } from '../../harness/wait-for.ts'

/** The pool's per-call bound (200 ms) plus the Deadlines tick (≤ 25 ms) and room for a busy machine. */
const CALL_BOUND_MS = 200 + 25 + 50

let redis: ServiceProcess
let nodes: ServiceProcess[]
let client: Redis
beforeAll(async () => {
  ;[redis, ...nodes] = await Promise.all([startRedis(), startMemcached(), startMemcached(), startMemcached()])
  client = redisClientFor(redis)
})
afterAll(async () => {
  client.disconnect()
  await Promise.all([redis.stop(), ...nodes.map((node) => node.stop())])
})

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await call()
  return { ms: performance.now() - started, value }
}

describe('a pool of three Memcached servers', () => {
  test('one frozen and one killed: the third keeps serving local hits, and once their breakers open no read waits past the call bound', async () => {
    const changes: CircuitChange[] = []
    const pool = createMemcachedPool({ memcachedServers: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })), localTtlSeconds: 300 }, (change) => changes.push(change))
    const cache = new TieredCache({ local: pool, redis: new IoRedisStore(client), redisTtlSeconds: 0 })
    const [frozen, killed, alive] = nodes.map((node) => `127.0.0.1:${node.port}`)
    const keys = Array.from({ length: 120 }, (_, i) => `pool:${i}`)
    const on = (address: string | undefined) => keys.filter((key) => pool.nodeFor(key).address === address)
    const opened = () => changes.filter((change) => change.to === 'open')
    for (const address of [frozen, killed, alive]) expect(on(address).length).toBeGreaterThan(10)
    try {
      for (const key of keys) await cache.write(key, `value of ${key}`)
      for (const key of keys) expect(await cache.read(key)).toMatchObject({ source: 'local' })

      nodes[0]!.freeze()
      await nodes[1]!.kill()
      // Their keys are read from Redis, each within the call bound, until their breakers open.
      await eventually(
        async () => {
          for (const key of [...on(frozen).slice(0, 4), ...on(killed).slice(0, 4)]) {
            const { ms, value } = await timed(() => cache.read(key))
            expect(value).toMatchObject({ value: `value of ${key}`, source: 'redis' })
            expect(ms).toBeLessThan(CALL_BOUND_MS)
          }
          return opened().length === 2
        },
        'both breakers to open',
        10_000,
      )
      expect(opened().map((change) => change.node).sort()).toEqual([frozen, killed].sort())

      const reads = await Promise.all(keys.map((key) => timed(() => cache.read(key))))
      expect(Math.max(...reads.map((read) => read.ms))).toBeLessThan(CALL_BOUND_MS)
      for (const [index, key] of keys.entries()) {
        const source = pool.nodeFor(key).address === alive ? 'local' : 'redis'
        expect(reads[index]!.value).toMatchObject({ value: `value of ${key}`, source })
      }

      // Written while the frozen server is skipped: it still holds the older copy.
      const stale = on(frozen)[0]!
      await cache.write(stale, 'newer')
      nodes[0]!.resume()
      await nodes[1]!.restart()
      await eventually(() => changes.filter((change) => change.from === 'open' && change.to === 'closed').length === 2, 'both breakers to close', 10_000)
      // The returning servers' namespaces were cleared; the live one's was not.
      expect(await cache.read(stale)).toMatchObject({ value: 'newer', source: 'redis' })
      for (const key of on(frozen).slice(1)) expect(await pool.get(key)).toBeUndefined()
      for (const key of on(alive)) expect(await cache.read(key)).toMatchObject({ value: `value of ${key}`, source: 'local' })
      expect(await cache.read(stale)).toMatchObject({ value: 'newer', source: 'local' })
    } finally {
      nodes[0]!.resume()
      await pool.close()
    }
  }, 30_000)
})

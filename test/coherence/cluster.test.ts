import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Cluster } from 'ioredis'
import { startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startRedisCluster, type RedisCluster } from '../harness/redis-cluster.ts'
import { cacheLocally, msUntilFresh, readKey, writeKey } from './key-client.ts'

/** Real processes on a shared, loaded 2-core machine: room to start them, bounds kept in the assertions. */
const SLOW_MS = 30_000

let cluster: RedisCluster
let inspector: Cluster
let a: ProxyProcess
let b: ProxyProcess
beforeAll(async () => {
  cluster = await startRedisCluster()
  inspector = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }], { redisOptions: { protocol: 2 } })
  inspector.on('error', () => {})
  const env = { REDIS_CLUSTER_NODES: cluster.seeds }
  ;[a, b] = await Promise.all([startProxy('bun', env), startProxy('bun', env)])
}, SLOW_MS)
afterAll(async () => {
  inspector?.disconnect()
  await Promise.all([a?.stop(), b?.stop()])
  await cluster?.stop()
})

describe('two proxies on a Redis Cluster', () => {
  test('keys on every node round-trip, and local copies are bounded by their Redis TTL', async () => {
    // Keys spread over the 3 nodes' slots.
    const keys = Array.from({ length: 12 }, (_, i) => `spread-${i}`)
    for (const key of keys) await writeKey(a, key, `v-${key}`)
    for (const key of keys) expect(await inspector.get(key)).toBe(`v-${key}`)
    for (const key of keys) expect((await readKey(b, key)).value).toBe(`v-${key}`)

    await inspector.set('short-lived', 'v', 'PX', 700)
    await cacheLocally(b, 'short-lived', 'v')
    const cached = performance.now()
    await msUntilFresh(b, 'short-lived', (x) => x.status === 404, 3000)
    expect(performance.now() - cached).toBeLessThan(700 + 200)
  }, SLOW_MS)
})

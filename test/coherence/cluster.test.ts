import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Cluster, Redis } from 'ioredis'
import { eventually } from '../harness/wait-for.ts'
import { startProxy, type ProxyProcess, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
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
  const env = { ...SHIPPED_STALENESS_BOUND, REDIS_CLUSTER_NODES: cluster.seeds }
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

  test('every node tells both proxies about writes through the other one and straight to Redis', async () => {
    const keys = Array.from({ length: 9 }, (_, i) => `coherent-${i}`)
    const slots = await Promise.all(keys.map(async (key) => Number(await inspector.cluster('KEYSLOT', key))))
    expect(new Set(slots.map((slot) => inspector.slots[slot]?.[0])).size).toBe(3)
    for (const key of keys) {
      await writeKey(a, key, 'one')
      await cacheLocally(b, key, 'one')
      await writeKey(a, key, 'two')
      expect(await msUntilFresh(b, key, (x) => x.value === 'two')).toBeLessThan(200)
      await cacheLocally(a, key, 'two')
      await inspector.set(key, 'three')
      for (const proxy of [a, b]) expect(await msUntilFresh(proxy, key, (x) => x.value === 'three')).toBeLessThan(200)
    }
  }, SLOW_MS)

  test('a node killed and restarted: a value written meanwhile is not served stale', async () => {
    const key = 'node-restart'
    const slot = Number(await inspector.cluster('KEYSLOT', key))
    const node = cluster.nodes.find((n) => inspector.slots[slot]?.[0] === `127.0.0.1:${n.port}`)!
    await writeKey(a, key, 'old')
    await cacheLocally(b, key, 'old')
    await node.kill()
    await node.restart()
    // The restarted node kept its slots (nodes.conf) but not its data: write the new value there.
    const direct = new Redis({ port: node.port, host: '127.0.0.1', protocol: 2 })
    try {
      await eventually(async () => (await direct.set(key, 'new').catch(() => null)) === 'OK', 'the node to take writes', 10_000, 50)
    } finally {
      direct.disconnect()
    }
    const seen: (string | undefined)[] = []
    await eventually(async () => {
      const answer = await readKey(b, key)
      seen.push(answer.value)
      return answer.value === 'new'
    }, `${key} = new`, 15_000, 20)
    expect(seen).not.toContain('old')
    // Tracking on the node's new connection: the next change reaches B quickly again.
    await cacheLocally(b, key, 'new', 10_000)
    await inspector.set(key, 'newer')
    expect(await msUntilFresh(b, key, (x) => x.value === 'newer')).toBeLessThan(200)
  }, SLOW_MS)
})

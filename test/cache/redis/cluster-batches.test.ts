import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Cluster } from 'ioredis'
import { Registry } from 'prom-client'
import { CrossSlotError, WrongTypeError } from '../../../src/cache/errors.ts'
import { IoRedisStore } from '../../../src/cache/redis/redis-store.ts'
import { loadConfig } from '../../../src/config.ts'
import { createLogger } from '../../../src/logger.ts'
import { ProxyMetrics } from '../../../src/metrics/proxy-metrics.ts'
import { buildProxy, type Proxy } from '../../../src/wiring/build-proxy.ts'
import { createRedisClient, type RedisClient } from '../../../src/wiring/redis-client.ts'
import { startRedisCluster, type RedisCluster } from '../../harness/redis-cluster.ts'

/** Real processes on a shared, loaded 2-core machine: room to start them. */
const SLOW_MS = 30_000

let cluster: RedisCluster
let inspector: Cluster
let client: RedisClient
let store: IoRedisStore
let proxy: Proxy
beforeAll(async () => {
  cluster = await startRedisCluster()
  inspector = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }], { redisOptions: { protocol: 2 } })
  inspector.on('error', () => {})
  const config = loadConfig({ REDIS_CLUSTER_NODES: cluster.seeds, LOCAL_CACHE: 'memory', LOCAL_INVALIDATION: 'off' })
  client = createRedisClient(config)
  client.on('error', () => {})
  store = new IoRedisStore(client)
  proxy = buildProxy(config, { redis: client, logger: createLogger({ level: 'silent' }), metrics: new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false }) })
  await inspector.set('warm-up', '1')
}, SLOW_MS)
afterAll(async () => {
  inspector?.disconnect()
  await proxy?.close()
  await cluster?.stop()
})

/** Keys whose slots lie on every node of the cluster. */
async function keysOnEveryNode(prefix: string, count = 9): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
  const nodes = await Promise.all(keys.map(async (key) => inspector.slots[Number(await inspector.cluster('KEYSLOT', key))]?.[0]))
  expect(new Set(nodes).size).toBe(cluster.nodes.length)
  return keys
}

describe('batches on a Redis Cluster', () => {
  test('getManyWithTtl reads keys of every node, in order, repeats included', async () => {
    const keys = await keysOnEveryNode('read')
    for (const key of keys) await inspector.set(key, `v-${key}`, 'EX', 100)
    const asked = [...keys, 'read-absent', keys[0]!]
    const answers = await store.getManyWithTtl(asked)
    expect(answers.map((a) => a.value)).toEqual([...keys.map((key) => `v-${key}`), null, `v-${keys[0]}`])
    for (const { ttlMs } of answers.filter((a) => a.value !== null)) expect(ttlMs).toBeWithin(90_000, 100_001)
  }, SLOW_MS)

  test('setMany across slots is refused (CrossSlotError) and writes nothing; within one slot it is all or none', async () => {
    const keys = await keysOnEveryNode('write')
    const error = await store.setMany(keys.map((key) => [key, 'v']), 0).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CrossSlotError)
    for (const key of keys) expect(await inspector.exists(key)).toBe(0)

    const tagged = ['{user1}:a', '{user1}:b', '{user1}:c']
    expect(await store.setMany(tagged.map((key) => [key, 'v']), 0)).toEqual(tagged.map(() => ({ existed: false })))
    expect(await inspector.get('{user1}:c')).toBe('v')
    await inspector.rpush('{user1}:L', 'x')
    expect(await store.setMany([['{user1}:a', 'new'], ['{user1}:L', 'x']], 0).catch((e: unknown) => e)).toBeInstanceOf(WrongTypeError)
    expect(await inspector.get('{user1}:a')).toBe('v')
  }, SLOW_MS)

  test('over HTTP: mset and /set across slots answer 400 cross_slot; mget spans nodes', async () => {
    const keys = await keysOnEveryNode('http')
    const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })
    const mset = await proxy.app.request('/v1/mset', json({ pairs: Object.fromEntries(keys.map((key) => [key, 'v'])) }))
    expect(mset.status).toBe(400)
    expect(((await mset.json()) as { error: { code: string } }).error.code).toBe('cross_slot')
    const set = await proxy.app.request('/set', json(Object.fromEntries(keys.map((key) => [key, 'v']))))
    expect(set.status).toBe(400)
    for (const key of keys) expect(await inspector.exists(key)).toBe(0)

    const tagged = await proxy.app.request('/v1/mset', json({ pairs: { '{h}:1': 'a', '{h}:2': 'b' } }))
    expect(tagged.status).toBe(200)
    for (const key of keys) await inspector.set(key, key)
    const mget = await proxy.app.request('/v1/mget', json({ keys: [...keys, '{h}:2'] }))
    expect(((await mget.json()) as { results: { value: string }[] }).results.map((r) => r.value)).toEqual([...keys, 'b'])
  }, SLOW_MS)
})

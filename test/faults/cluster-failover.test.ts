import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Cluster } from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import { startProxy, type ProxyProcess, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { startRedisCluster, type RedisCluster } from '../harness/redis-cluster.ts'
import { startWriteLoad, type WriteAttempt } from '../harness/write-load.ts'
import { eventually } from '../harness/wait-for.ts'

/**
 * A master of a 3-master + 3-replica Cluster killed under write load through the real proxy, with
 * REDIS_MIN_REPLICAS=1: its replica takes over, but with no replica of its own its slots answer 503
 * until the old master rejoins as that replica. Not one acknowledged write is missing afterwards.
 */

const SLOW_MS = 45_000

let cluster: RedisCluster
let proxy: ProxyProcess
let inspector: Cluster
beforeAll(async () => {
  cluster = await startRedisCluster(3, { replicasPerMaster: 1, nodeTimeoutMs: 1000 })
  inspector = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }], { redisOptions: { protocol: 2 } })
  inspector.on('error', () => {})
  proxy = await startProxy('bun', { ...SHIPPED_STALENESS_BOUND, REDIS_CLUSTER_NODES: cluster.seeds, REDIS_MIN_REPLICAS: '1', LOCAL_CACHE: 'memory' })
}, SLOW_MS)
afterAll(async () => {
  inspector?.disconnect()
  await proxy?.stop()
  await cluster?.stop()
})

describe('Redis Cluster: a master killed under write load with REDIS_MIN_REPLICAS=1', () => {
  test('its slots answer 503 not_replicated until it rejoins as a replica; the other masters keep acknowledging; no acknowledged write lost', async () => {
    await eventually(async () => (await fetch(`${proxy.url}/readyz`)).status === 200, 'the proxy ready', 10_000, 50)
    await inspector.set('warm-up', '1')
    const owners = inspector.slots.map((nodes) => nodes[0])
    const victimAddress = owners[calculateSlot('victim')]!
    const victim = cluster.nodes.find((node) => `127.0.0.1:${node.port}` === victimAddress)!
    const onVictim = (a: WriteAttempt) => owners[calculateSlot(a.key)] === victimAddress

    const load = startWriteLoad(proxy.url, { prefix: 'cluster' })
    await eventually(() => load.attempts.filter((a) => a.status === 200 && onVictim(a)).length >= 10, 'writes acknowledged on every master', 10_000, 10)

    const killedAt = performance.now()
    await victim.kill()
    // Its replica takes over and, alone, cannot confirm a write: 503 not_replicated, the outcome unknown.
    await eventually(() => load.attempts.some((a) => a.startedAt > killedAt && onVictim(a) && a.code === 'not_replicated'), 'the promoted replica answering not_replicated', 15_000, 20)
    const promotedMs = Math.min(...load.attempts.filter((a) => a.startedAt > killedAt && onVictim(a) && a.code === 'not_replicated').map((a) => a.endedAt)) - killedAt
    const othersMeanwhile = load.attempts.filter((a) => a.startedAt > killedAt && !onVictim(a) && a.status === 200).length
    expect(load.attempts.some((a) => a.startedAt > killedAt && onVictim(a) && a.status === 200)).toBe(false)

    const restartedAt = performance.now()
    await victim.restart()
    await eventually(() => load.firstAcknowledgedAfter(restartedAt, onVictim) !== undefined, 'its slots acknowledging writes again', 15_000, 20)
    const rejoinedMs = load.firstAcknowledgedAfter(restartedAt, onVictim)! - restartedAt
    await Bun.sleep(500)
    const { acknowledged, attempts, staleReads } = await load.stop()

    const keys = [...acknowledged.keys()]
    const found = await Promise.all(keys.map((key) => inspector.get(key)))
    const missing = keys.filter((key, i) => found[i] !== acknowledged.get(key))
    console.log(
      `cluster failover: its slots answered not_replicated ${Math.round(promotedMs)} ms after the master's SIGKILL, ` +
        `${othersMeanwhile} writes acknowledged by the other masters meanwhile; writes on its slots acknowledged again ${Math.round(rejoinedMs)} ms after it restarted; ` +
        `${acknowledged.size} acknowledged writes (${keys.filter((key) => owners[calculateSlot(key)] === victimAddress).length} on its slots), ${missing.length} missing; ${attempts.length - acknowledged.size} refused`,
    )
    expect(missing).toEqual([])
    expect(othersMeanwhile).toBeGreaterThan(0)
    expect(staleReads).toEqual([])
  }, SLOW_MS)
})

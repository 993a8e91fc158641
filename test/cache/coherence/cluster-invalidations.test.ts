import { describe, expect, test } from 'bun:test'
import { EventEmitter } from 'node:events'
import type { Cluster, Redis } from 'ioredis'
import { ClusterInvalidations } from '../../../src/cache/coherence/cluster-invalidations.ts'
import { CoherenceGate } from '../../../src/cache/coherence/coherence-gate.ts'
import { recordingLogger } from '../../harness/recording-logger.ts'
import { infoServer, ScriptedRedis, settled } from '../../harness/scripted-redis.ts'

/** A Cluster pool as ClusterInvalidations sees it: its status, its masters, and its node events. */
class ScriptedCluster extends EventEmitter {
  status = 'connecting'
  masters: ScriptedRedis[] = []

  nodes(role: string): ScriptedRedis[] {
    if (role !== 'master') throw new Error(`asked for ${role} nodes`)
    return this.masters
  }
}

function node({ readOnly = false, status = 'ready' }: { readOnly?: boolean; status?: string } = {}): ScriptedRedis {
  const redis = new ScriptedRedis({ readOnly })
  redis.status = status
  return redis
}

function scriptedCluster({ masters = [] as ScriptedRedis[], status = 'connecting', heartbeat = undefined as { heartbeatIntervalMs: number } | undefined } = {}) {
  const cluster = new ScriptedCluster()
  cluster.masters = masters
  cluster.status = status
  const gate = new CoherenceGate()
  const subscribers = new Map<ScriptedRedis, ScriptedRedis>()
  const told = { forgets: 0 }
  const cache = { invalidate: async () => {}, invalidateAll: async () => {}, forgetLocal: async () => void told.forgets++ }
  const invalidations = new ClusterInvalidations({
    cluster: cluster as unknown as Cluster,
    cache,
    gate,
    logger: recordingLogger(),
    subscriberFor: (data: Redis) => {
      const subscriber = new ScriptedRedis()
      subscribers.set(data as unknown as ScriptedRedis, subscriber)
      return subscriber.asRedis
    },
    heartbeat,
  })
  let decided = false
  void invalidations.decided.then(() => (decided = true))
  return {
    cluster,
    gate,
    told,
    invalidations,
    subscribers,
    decided: () => decided,
    /** Answers the attempt of `data`'s listener until tracking is on (PING only with heartbeats). */
    async track(data: ScriptedRedis) {
      const subscriber = subscribers.get(data)!
      await subscriber.answer('client', 7)
      await subscriber.answer('info', infoServer('a1'))
      await subscriber.answer('subscribe', 1)
      await data.answer('info', infoServer('a1'))
      await data.answer('call', 'OK')
      if (heartbeat) await subscriber.answer('ping', 'PONG')
      await settled()
    },
  }
}

describe('ClusterInvalidations', () => {
  test('a listener for every writable master at start; local copies once the pool is ready and every one tracks', async () => {
    const [a, b, replica] = [node(), node(), node({ readOnly: true })]
    const c = scriptedCluster({ masters: [a, b, replica] })
    expect(c.gate.suspended).toBe(true)
    c.invalidations.start()
    expect([...c.subscribers.keys()]).toEqual([a, b])
    await c.track(a)
    await c.track(b)
    expect(c.gate.suspended).toBe(true)
    expect(c.decided()).toBe(false)
    c.cluster.emit('ready')
    await settled()
    expect(c.gate.suspended).toBe(false)
    expect(c.decided()).toBe(true)
    expect(c.told.forgets).toBe(1)
  })

  test('the pool already ready at start: the topology is taken as known at once', async () => {
    const a = node()
    const c = scriptedCluster({ masters: [a], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    expect(c.gate.suspended).toBe(false)
    expect(c.decided()).toBe(true)
  })

  test('not decided while one master is still connecting', async () => {
    const [a, b] = [node(), node()]
    const c = scriptedCluster({ masters: [a, b], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    expect(c.gate.suspended).toBe(true)
    expect(c.decided()).toBe(false)
    await c.track(b)
    expect(c.decided()).toBe(true)
  })

  test('+node: a listener of its own, the node connected when the pool has not yet; duplicates and replicas skipped', async () => {
    const a = node()
    const c = scriptedCluster({ masters: [a], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    const lazy = node({ status: 'wait' })
    c.cluster.emit('+node', lazy)
    expect(lazy.sent('connect')).toHaveLength(1)
    expect(c.gate.suspended).toBe(true)
    // A failed connect is the node's own events' business, not an unhandled rejection.
    await lazy.fail('connect', new Error('ECONNREFUSED'))
    const ready = node()
    c.cluster.emit('+node', ready)
    expect(ready.sent('connect')).toHaveLength(0)
    c.cluster.emit('+node', a)
    c.cluster.emit('+node', node({ readOnly: true }))
    expect([...c.subscribers.keys()]).toEqual([a, lazy, ready])
    lazy.status = 'ready'
    lazy.emit('ready')
    await c.track(lazy)
    await c.track(ready)
    expect(c.gate.suspended).toBe(false)
  })

  test('-node: the topology is suspended until the next refresh, and the node’s listener leaves and closes', async () => {
    const [a, b] = [node(), node()]
    const c = scriptedCluster({ masters: [a, b], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    await c.track(b)
    expect(c.gate.suspended).toBe(false)
    // The node went down (its listener suspends the gate), then a slot refresh removes it from the pool.
    b.emit('close')
    c.cluster.emit('-node', b)
    expect(c.gate.suspended).toBe(true)
    expect(c.subscribers.get(b)!.disconnects).toEqual(['let go'])
    c.cluster.emit('refresh')
    await settled()
    // b's listener, suspended when it was removed, no longer holds the gate: it left.
    expect(c.gate.suspended).toBe(false)
    expect(c.told.forgets).toBe(2)
    // Back in the pool later: a listener of its own again.
    c.cluster.emit('+node', b)
    expect(c.gate.suspended).toBe(true)
    expect(c.subscribers.get(b)!.disconnects).toEqual([])
  })

  test('-node of a node without a listener (a replica) changes nothing', async () => {
    const a = node()
    const c = scriptedCluster({ masters: [a], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    const epoch = c.gate.epoch
    c.cluster.emit('-node', node({ readOnly: true }))
    expect(c.gate.epoch).toBe(epoch)
    expect(c.gate.suspended).toBe(false)
  })

  test('closed: every listener closed, and neither +node nor a refresh does anything', async () => {
    const [a, b] = [node(), node()]
    const c = scriptedCluster({ masters: [a, b], status: 'ready' })
    c.invalidations.start()
    await c.track(a)
    await c.track(b)
    c.cluster.emit('-node', b)
    await c.invalidations.close()
    expect(c.subscribers.get(a)!.disconnects).toEqual(['let go'])
    c.cluster.emit('+node', node())
    expect(c.subscribers.size).toBe(2)
    c.cluster.emit('refresh')
    c.cluster.emit('ready')
    await settled()
    expect(c.gate.suspended).toBe(true)
  })

  test('heartbeat options reach every listener: its first heartbeat comes before tracking', async () => {
    const a = node()
    const c = scriptedCluster({ masters: [a], status: 'ready', heartbeat: { heartbeatIntervalMs: 60_000 } })
    c.invalidations.start()
    await c.track(a)
    expect(c.subscribers.get(a)!.sent('ping')).toHaveLength(1)
    expect(c.gate.suspended).toBe(false)
    await c.invalidations.close()
  })
})

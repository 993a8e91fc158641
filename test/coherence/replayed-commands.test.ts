import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { connect } from 'node:net'
import { CoherenceGate } from '../../src/cache/coherence/coherence-gate.ts'
import type { InvalidationListener } from '../../src/cache/coherence/invalidation-listener.ts'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import { createLogger } from '../../src/logger.ts'
import { createRedisClient } from '../../src/wiring/redis-client.ts'
import { startInvalidations } from '../../src/wiring/start-invalidations.ts'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { startTcpRelay, type RelayDirection, type RelayedConnection, type TcpRelay } from '../harness/tcp-relay.ts'
import { eventually } from '../harness/wait-for.ts'

/**
 * ioredis sends a command again on the next connection when the one it was sent on closed before the
 * answer came (autoResendUnfulfilledCommands, and a first drop does not fail it with maxRetriesPerRequest 1).
 * The listener's commands belong to one session of one server: answered in another, they say nothing
 * about whether Redis tracks. The listener and its two connections are wired as the proxy wires them
 * (createRedisClient, startInvalidations), through a relay that holds the command at the right moment.
 */
const MAX_STALENESS_MS = 100
const SLOW_MS = 30_000

let redis: ServiceProcess
let relay: TcpRelay
let inspector: Redis
let data: Redis
let cache: TieredCache
let listener: InvalidationListener
const logged: string[] = []

async function setUp(redisTimeoutMs: number): Promise<void> {
  redis = await startRedis()
  relay = await startTcpRelay(redis.port)
  inspector = redisInspector(redis)
  const config = {
    localInvalidation: 'tracking',
    localCache: 'memory',
    redisUrl: `redis://127.0.0.1:${relay.port}`,
    redisClusterNodes: undefined,
    redisSentinel: undefined,
    redisTimeoutMs,
    maxStalenessMs: MAX_STALENESS_MS,
  } as const
  data = createRedisClient(config) as Redis
  data.on('error', () => {})
  const gate = new CoherenceGate({ maxStalenessMs: MAX_STALENESS_MS })
  cache = new TieredCache({ local: new MemoryTier({ capacity: 100, ttlSeconds: 300 }), redis: new IoRedisStore(data), redisTtlSeconds: 0, gate })
  logged.length = 0
  const logger = createLogger({ level: 'info', write: (chunk) => void logged.push(chunk), maxBufferBytes: 0 })
  listener = startInvalidations({ config, data, cache, logger }) as InvalidationListener
  await listener.decided
  expect(listener.state).toBe('tracking')
}

beforeEach(() => {
  logged.length = 0
})
afterEach(async () => {
  await listener?.close()
  data?.disconnect()
  inspector?.disconnect()
  await relay?.close()
  await redis?.stop()
})

/** The newest relayed connection whose client sent `marker`. */
function relayed(marker: RegExp): RelayedConnection {
  const link = relay.connections.findLast((connection) => marker.test(connection.up.seenText))
  if (!link) throw new Error(`no relayed connection sent ${marker}`)
  return link
}

/** With `direction` held, lets everything through until the client sends `command`, which stays held. */
function holdAt(direction: RelayDirection, command: RegExp): Promise<void> {
  return eventually(
    () => {
      if (command.test(direction.heldText)) return true
      direction.releaseChunks(direction.heldChunks)
      return false
    },
    `${command} held`,
    5000,
    1,
  )
}

/** Serves `key` from the local tier, then changes it straight in Redis: the copy must go within the bound. */
async function expectInvalidated(key: string): Promise<void> {
  await inspector.set(key, 'old')
  await eventually(async () => (await cache.read(key)).source === 'local', `${key} served locally`, 5000)
  await inspector.set(key, 'new')
  const acknowledgedAt = performance.now()
  await eventually(async () => (await cache.read(key)).value === 'new', `${key} = new`, 2000, 5)
  expect(performance.now() - acknowledgedAt).toBeLessThan(MAX_STALENESS_MS + 400)
}

/** Connections that come and go, so that the server's client ids run past the ones a fresh server hands out. */
async function burnClientIds(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(redis.port, '127.0.0.1', () => {
        socket.destroy()
        resolve()
      })
      socket.on('error', reject)
    })
  }
}

describe('commands ioredis sends again on the next connection', () => {
  test('CLIENT TRACKING, sent just before Redis died, is answered by the restarted one: not a refusal', async () => {
    // A long command timeout: the command is still waiting for its answer when the data connection comes back.
    await setUp(10_000)
    await burnClientIds(50)
    // The subscriber drops: the listener sets tracking up again, and the data connection's CLIENT TRACKING is held.
    const dataLink = relayed(/tracking/i)
    dataLink.up.hold()
    relayed(/subscribe/i).reset()
    await holdAt(dataLink.up, /TRACKING/i)
    const redirect = /REDIRECT\r\n\$\d+\r\n(\d+)/i.exec(dataLink.up.heldText)?.[1]
    expect(Number(redirect)).toBeGreaterThan(50)
    // Redis dies before reading it, and a fresh one takes its place: client ids start over there.
    await redis.kill()
    await redis.restart()
    // The command was sent again on the new data connection, naming a subscriber of the dead server.
    await eventually(() => relay.connections.some((link) => link !== dataLink && link.up.seenText.includes(`REDIRECT\r\n$${redirect!.length}\r\n${redirect}\r\n`)), 'CLIENT TRACKING sent again', 10_000)
    await eventually(() => listener.state === 'tracking' || listener.state === 'refused', 'tracking decided again', 10_000)
    expect(listener.state).toBe('tracking')
    expect(logged.join('')).not.toContain('redis refuses client tracking')
    await expectInvalidated('after-restart')
  }, SLOW_MS)

  test('a SUBSCRIBE that timed out is not sent again ahead of the next attempt on the new subscriber connection', async () => {
    await setUp(300)
    const count = relay.connections.length
    relayed(/subscribe/i).reset()
    // The new subscriber connection's SUBSCRIBE is held past the command timeout: the listener reconnects it.
    await relay.untilConnections(count + 1)
    const subscriberLink = relay.connections[count]!
    subscriberLink.up.hold()
    await holdAt(subscriberLink.up, /SUBSCRIBE/i)
    await eventually(() => relay.connections.length > count + 1, 'the subscriber reconnected', 5000)
    await eventually(() => listener.state === 'tracking' || listener.state === 'refused', 'tracking decided again', 10_000)
    expect(listener.state).toBe('tracking')
    expect(logged.join('')).not.toContain('redis refuses client tracking')
    await expectInvalidated('after-timeout')
  }, SLOW_MS)
})

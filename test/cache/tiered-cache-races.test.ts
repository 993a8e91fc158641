import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { startTcpRelay, type RelayedConnection, type TcpRelay } from '../harness/tcp-relay.ts'
import { redisOptions } from '../../src/wiring/redis-client.ts'

/** Races made exact: the cache talks to Redis through a relay whose segments the test holds and releases. */
let server: ServiceProcess
let relay: TcpRelay
let client: Redis
let inspector: Redis
let link: RelayedConnection
beforeAll(async () => {
  server = await startRedis()
  relay = await startTcpRelay(server.port)
  client = new Redis({ ...redisOptions({ redisTimeoutMs: 5000 }), port: relay.port, host: '127.0.0.1', enableOfflineQueue: true })
  client.on('error', () => {})
  await client.ping()
  link = relay.connections[0]!
  inspector = redisInspector(server)
})
afterAll(async () => {
  client.disconnect()
  inspector.disconnect()
  await relay.close()
  await server.stop()
})
beforeEach(async () => {
  link.up.release()
  link.down.release()
  await inspector.flushall()
})

function cache(): TieredCache {
  return new TieredCache({ local: new MemoryTier({ capacity: 100, ttlSeconds: 300 }), redis: new IoRedisStore(client), redisTtlSeconds: 3000 })
}

describe('a write overtaken by a later write on the same instance', () => {
  test('leaves no older local copy: a read after its answer never gets the value from before it', async () => {
    const tiered = cache()
    await tiered.write('k', 'v1')
    expect(await tiered.read('k')).toMatchObject({ value: 'v1', source: 'local' })
    link.up.hold()
    const second = tiered.write('k', 'v2')
    await link.up.untilHeld(1)
    const third = tiered.write('k', 'v3')
    // A macrotask: the third write has taken its stamp and handed its SET to the client (which
    // auto-pipelining keeps until the second SET is answered).
    await Bun.sleep(0)
    link.up.releaseChunks(1)
    await second
    const read = tiered.read('k')
    link.up.release()
    expect(['v2', 'v3']).toContain((await read).value as string)
    await third
    expect(await tiered.local.get('k')).toBe('v3')
  })

  test('a write whose key changed elsewhere while it was in flight does not become the local copy', async () => {
    const tiered = cache()
    link.down.hold()
    const write = tiered.write('w', 'mine')
    await link.down.untilHeld(1)
    await inspector.set('w', 'theirs')
    await tiered.invalidate('w')
    link.down.release()
    await write
    expect(await tiered.local.get('w')).toBeUndefined()
    expect(await tiered.read('w')).toMatchObject({ value: 'theirs', source: 'redis' })
  })
})

describe('a read invoked after an invalidation', () => {
  test('does not join a Redis GET sent before it', async () => {
    const tiered = cache()
    await inspector.set('r', 'old')
    link.down.hold()
    const early = tiered.read('r')
    await link.down.untilHeld(1)
    await inspector.set('r', 'new')
    await tiered.invalidate('r')
    const late = tiered.read('r')
    link.down.release()
    expect((await early).value).toBe('old')
    expect(await late).toMatchObject({ value: 'new', source: 'redis' })
    expect(await tiered.read('r')).toMatchObject({ value: 'new', source: 'local' })
  })

  test('after a flush-all does not join a GET sent before it', async () => {
    const tiered = cache()
    await inspector.set('f', 'old')
    link.down.hold()
    const early = tiered.read('f')
    await link.down.untilHeld(1)
    await inspector.set('f', 'new')
    await tiered.invalidateAll()
    const late = tiered.read('f')
    link.down.release()
    expect((await early).value).toBe('old')
    expect((await late).value).toBe('new')
  })
})

describe('a fresh read (Cache-Control: no-cache)', () => {
  test('sends a GET of its own rather than joining one sent before it, so it sees a write acknowledged meanwhile', async () => {
    const tiered = cache()
    await inspector.set('fresh', 'old')
    link.down.hold()
    const early = tiered.read('fresh')
    await link.down.untilHeld(1)
    await inspector.set('fresh', 'new')
    const fresh = tiered.readFresh('fresh')
    link.down.release()
    expect((await early).value).toBe('old')
    expect(await fresh).toMatchObject({ value: 'new', source: 'redis' })
  })
})

describe('suspension', () => {
  test('a read in flight across a suspend and a resume does not fill the local tier', async () => {
    const tiered = cache()
    await inspector.set('s', 'old')
    link.down.hold()
    const read = tiered.read('s')
    await link.down.untilHeld(1)
    tiered.gate.suspend('test')
    await inspector.set('s', 'changed while suspended')
    await tiered.gate.resume('test', () => tiered.forgetLocal())
    link.down.release()
    expect((await read).value).toBe('old')
    expect(await tiered.local.get('s')).toBeUndefined()
  })
})

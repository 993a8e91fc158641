import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import { redisOptions } from '../../src/wiring/redis-client.ts'
import { localTierFor, redisInspector, type LocalKind } from '../harness/cache-fixtures.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { startTcpRelay, type RelayedConnection, type TcpRelay } from '../harness/tcp-relay.ts'

/** An mget's Redis round trip held at the relay while the test invalidates, then released: exact races. */
let server: ServiceProcess
let memcached: ServiceProcess
let relay: TcpRelay
let client: Redis
let inspector: Redis
let link: RelayedConnection
beforeAll(async () => {
  ;[server, memcached] = await Promise.all([startRedis(), startMemcached()])
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
  await Promise.all([server.stop(), memcached.stop()])
})
beforeEach(async () => {
  link.up.release()
  link.down.release()
  await inspector.flushall()
})

test('an mget puts every key on the wire before any answer: one round trip', async () => {
  const tiered = new TieredCache({ local: localTierFor('memory'), redis: new IoRedisStore(client), redisTtlSeconds: 3000 })
  const keys = Array.from({ length: 300 }, (_, i) => `one-trip:${i}`)
  link.up.hold()
  const read = tiered.readMany(keys)
  // Nothing reaches Redis while held, so no answer can come back: every command was sent without waiting for one.
  await expectEventually(() => {
    const held = link.up.heldText
    return keys.every((key) => held.includes(`${key}\r\n`))
  })
  link.up.release()
  expect((await read).every((r) => r.value === undefined && r.source === 'redis')).toBe(true)
})

for (const kind of ['memory', 'memcached'] as LocalKind[]) {
  describe(`an mget whose Redis answer is overtaken, local tier ${kind}`, () => {
    const cache = () => new TieredCache({ local: localTierFor(kind, memcached), redis: new IoRedisStore(client), redisTtlSeconds: 3000 })

    /** Starts an mget of `keys` and resolves once Redis's answer to it is held at the relay (the read itself in a box: awaiting it would wait for the release). */
    async function heldMget(tiered: TieredCache, keys: string[]): Promise<{ read: ReturnType<TieredCache['readMany']> }> {
      link.down.hold()
      const read = tiered.readMany(keys)
      // The whole answer is held in the relay: a value and an expiry per key.
      await link.down.untilHeld(1)
      await expectEventually(() => link.down.heldText.split('\r\n').filter((line) => /^[$:]/.test(line)).length >= new Set(keys).size * 2)
      return { read }
    }

    test('an invalidation of one key during the round trip keeps that key, and only it, out of the local tier', async () => {
      const tiered = cache()
      await inspector.mset('a', 'old', 'b', 'b1')
      const { read } = await heldMget(tiered, ['a', 'b'])
      await inspector.set('a', 'new')
      await tiered.invalidate('a')
      link.down.release()
      expect((await read).map((r) => [r.key, r.value, r.source])).toEqual([
        ['a', 'old', 'redis'],
        ['b', 'b1', 'redis'],
      ])
      expect(await tiered.local.get('a')).toBeUndefined()
      expect(await tiered.local.get('b')).toBe('b1')
      expect(await tiered.readMany(['a', 'b'])).toEqual([
        { key: 'a', value: 'new', source: 'redis' },
        { key: 'b', value: 'b1', source: 'local' },
      ])
    })

    test('a flush-all during the round trip keeps every key out of the local tier', async () => {
      const tiered = cache()
      await inspector.mset('x', '1', 'y', '2')
      const { read } = await heldMget(tiered, ['x', 'y', 'x'])
      await tiered.invalidateAll()
      link.down.release()
      expect((await read).map((r) => r.value)).toEqual(['1', '2', '1'])
      expect(await tiered.local.get('x')).toBeUndefined()
      expect(await tiered.local.get('y')).toBeUndefined()
    })

    test('a suspend and resume during the round trip keep every key out of the local tier', async () => {
      const tiered = cache()
      await inspector.set('s', 'old')
      const { read } = await heldMget(tiered, ['s'])
      tiered.gate.suspend('test')
      await inspector.set('s', 'changed while suspended')
      await tiered.gate.resume('test', () => tiered.forgetLocal())
      link.down.release()
      expect((await read)[0]!.value).toBe('old')
      expect(await tiered.local.get('s')).toBeUndefined()
    })

    test('an mset overtaken by an invalidation leaves no local copy of that key', async () => {
      const tiered = cache()
      link.down.hold()
      const write = tiered.writeMany(
        [
          ['m1', 'mine'],
          ['m2', 'mine'],
        ],
        3000,
      )
      await link.down.untilHeld(1)
      await inspector.set('m1', 'theirs')
      await tiered.invalidate('m1')
      link.down.release()
      await write
      expect(await tiered.local.get('m1')).toBeUndefined()
      expect(await tiered.local.get('m2')).toBe('mine')
    })
  })
}

async function expectEventually(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('the held bytes did not all arrive')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

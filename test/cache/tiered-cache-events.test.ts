import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { CoherenceGate } from '../../src/cache/coherence/coherence-gate.ts'
import { entityTag } from '../../src/cache/entity-tag.ts'
import { StoreUnavailableError, WrongTypeError } from '../../src/cache/errors.ts'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import type { FillLease, LocalRead, LocalTier } from '../../src/cache/tiers/local-tier.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { TieredCache, type TieredCacheEvents, type TierStep } from '../../src/cache/tiered-cache.ts'
import type { Value } from '../../src/cache/value.ts'
import { redisClientFor, redisInspector } from '../harness/cache-fixtures.ts'
import { ControlledStore } from '../harness/controlled-store.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/**
 * What TieredCache tells its listeners, and the races it must win, made exact: a ControlledStore
 * answers from a real Redis when the test says, and the local tiers record how they were called.
 */
let server: ServiceProcess
let client: Redis
let inspector: Redis
beforeAll(async () => {
  server = await startRedis()
  client = redisClientFor(server)
  inspector = redisInspector(server)
})
afterAll(async () => {
  client.disconnect()
  inspector.disconnect()
  await server.stop()
})
beforeEach(async () => {
  await inspector.flushall()
})

type Call = [operation: string, key?: string, ttlSeconds?: number]

/** The memory tier, recording every call; `peek` only when asked for. */
class RecordingTier implements LocalTier {
  readonly name: LocalTier['name']
  readonly calls: Call[] = []
  readonly inner = new MemoryTier({ capacity: 100, ttlSeconds: 300 })
  peek?: LocalTier['peek']

  constructor({ name = 'memory', peek = false }: { name?: LocalTier['name']; peek?: boolean } = {}) {
    this.name = name
    if (peek) this.peek = (key) => this.inner.peek(key)
  }

  get(key: string): Promise<Value | undefined> {
    this.calls.push(['get', key])
    return this.inner.get(key)
  }
  set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    this.calls.push(['set', key, ttlSeconds])
    return this.inner.set(key, value, ttlSeconds)
  }
  delete(key: string): Promise<void> {
    this.calls.push(['delete', key])
    return this.inner.delete(key)
  }
  clear(): Promise<void> {
    this.calls.push(['clear'])
    return this.inner.clear()
  }
  ping = () => Promise.resolve()
  close = () => Promise.resolve()
}

/** A shared tier's shape: a miss hands out a lease, and a fill needs it. */
class LeasingTier extends RecordingTier {
  getForFill(key: string): Promise<LocalRead> {
    this.calls.push(['getForFill', key])
    return this.inner.get(key).then((value) => (value === undefined ? { value, lease: { entry: key, token: '7' } } : { value }))
  }
  fill(key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease): Promise<void> {
    this.calls.push(['fill', `${key}@${lease.token}`, ttlSeconds])
    return this.inner.set(key, value, ttlSeconds)
  }
}

/** Every call fails. */
const brokenTier = (): LocalTier => {
  const down = () => Promise.reject(new Error('down'))
  return { name: 'memcached', get: down, set: down, delete: down, clear: down, ping: down, close: async () => {} }
}

interface Heard {
  lookups: string[]
  localErrors: string[]
  redisErrors: string[]
  skipped: string[]
}

function listening(): { heard: Heard; events: TieredCacheEvents } {
  const heard: Heard = { lookups: [], localErrors: [], redisErrors: [], skipped: [] }
  const events: TieredCacheEvents = {
    onLookup: (tier, outcome) => heard.lookups.push(`${tier} ${outcome}`),
    onLocalError: (operation, error) => heard.localErrors.push(`${operation}: ${(error as Error).message}`),
    onRedisError: (operation, error) => heard.redisErrors.push(`${operation}: ${(error as StoreUnavailableError).reason}`),
    onLocalSkipped: (reason) => heard.skipped.push(reason),
  }
  return { heard, events }
}

function cacheOn(local: LocalTier, { events, gate, store }: { events?: TieredCacheEvents; gate?: CoherenceGate; store?: ControlledStore } = {}) {
  const redis = store ?? new ControlledStore(new IoRedisStore(client))
  return { cache: new TieredCache({ local, redis, redisTtlSeconds: 60, events, gate }), store: redis }
}

/** What `promise` rejected with (it must reject). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Every step took between nothing and the whole call. */
async function timedSteps(call: () => Promise<{ steps: readonly TierStep[] }>): Promise<TierStep[]> {
  const started = performance.now()
  const { steps } = await call()
  const elapsed = performance.now() - started
  for (const step of steps) {
    expect(step.durationMs).toBeGreaterThanOrEqual(0)
    expect(step.durationMs).toBeLessThanOrEqual(elapsed)
  }
  return [...steps]
}

describe('what TieredCache reports', () => {
  test('lookups of each tier, with steps timed within the call', async () => {
    const { heard, events } = listening()
    const { cache } = cacheOn(new RecordingTier(), { events })
    expect((await timedSteps(() => cache.read('k'))).map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local miss', 'redis miss'])
    await inspector.set('k', 'v')
    expect((await timedSteps(() => cache.read('k'))).map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local miss', 'redis hit'])
    expect((await timedSteps(() => cache.read('k'))).map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local hit'])
    expect((await timedSteps(() => cache.write('k', 'w'))).map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local hit', 'redis hit'])
    expect(heard.lookups).toEqual(['local miss', 'redis miss', 'local miss', 'redis hit', 'local hit'])
    expect(heard.localErrors).toEqual([])
    expect(cache.gate.pendingOperations).toBe(0)
  })

  test('a failing local tier: every operation named, the steps say error, the answers come from Redis', async () => {
    const { heard, events } = listening()
    const { cache } = cacheOn(brokenTier(), { events })
    expect((await timedSteps(() => cache.write('k', 'v'))).map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local error', 'redis miss'])
    const read = await cache.read('k')
    expect(read).toMatchObject({ value: 'v', source: 'redis' })
    expect(read.steps.map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local error', 'redis hit'])
    await cache.remove('k')
    await cache.invalidate('k')
    await cache.invalidateAll()
    await cache.forgetLocal()
    expect(heard.localErrors).toEqual(['get: down', 'set: down', 'get: down', 'set: down', 'delete: down', 'delete: down', 'clear: down', 'clear: down'])
    expect(heard.lookups).toEqual(['local error', 'redis hit'])
  })

  test('a failing local tier with no one listening is still bypassed', async () => {
    const { cache } = cacheOn(brokenTier())
    await cache.write('k', 'v')
    expect(await cache.read('k')).toMatchObject({ value: 'v', source: 'redis' })
  })

  test('an overtaken write names the delete it sends', async () => {
    const { heard, events } = listening()
    const { cache, store } = cacheOn(brokenTier(), { events })
    const held = store.holdNextWrite()
    const first = cache.write('k', 'v1', 60, { trace: false })
    await held.reached
    await cache.write('k', 'v2', 60, { trace: false })
    held.release()
    await first
    expect(heard.localErrors).toEqual(['set: down', 'delete: down'])
  })

  test('Redis unavailable: reported with the operation, on every path, and the error goes on', async () => {
    const { heard, events } = listening()
    const { cache, store } = cacheOn(new RecordingTier(), { events })
    store.down = true
    expect(await failure(cache.read('k'))).toBeInstanceOf(StoreUnavailableError)
    expect(await failure(cache.write('k', 'v'))).toBeInstanceOf(StoreUnavailableError)
    expect(await failure(cache.remove('k'))).toBeInstanceOf(StoreUnavailableError)
    const { cache: uncached } = cacheOn(new RecordingTier({ name: 'none' }), { events, store })
    expect(await failure(uncached.read('k'))).toBeInstanceOf(StoreUnavailableError)
    expect(heard.redisErrors).toEqual(['get: unreachable', 'write: unreachable', 'write: unreachable', 'get: unreachable'])
  })

  test('Redis unavailable and no one listening: the StoreUnavailableError itself goes on', async () => {
    const store = new ControlledStore(new IoRedisStore(client))
    store.down = true
    for (const local of [new RecordingTier(), new RecordingTier({ name: 'none' })]) {
      const { cache } = cacheOn(local, { store })
      expect(await failure(cache.read('k'))).toBeInstanceOf(StoreUnavailableError)
      expect(await failure(cache.write('k', 'v'))).toBeInstanceOf(StoreUnavailableError)
    }
  })

  test('a key of another type is the caller mistake, not Redis being unavailable', async () => {
    const { heard, events } = listening()
    const { cache } = cacheOn(new RecordingTier(), { events })
    await inspector.lpush('listed', 'x')
    expect(await failure(cache.read('listed'))).toBeInstanceOf(WrongTypeError)
    expect(await failure(cache.write('listed', 'v'))).toBeInstanceOf(WrongTypeError)
    const { cache: uncached } = cacheOn(new RecordingTier({ name: 'none' }), { events })
    expect(await failure(uncached.read('listed'))).toBeInstanceOf(WrongTypeError)
    expect(heard.redisErrors).toEqual([])
  })
})

describe('reads asked for by Cache-Control', () => {
  test('readFresh: its own GET, reported as a Redis lookup, filling the local tier unless the gate is suspended', async () => {
    const { heard, events } = listening()
    const gate = new CoherenceGate()
    const local = new RecordingTier()
    const { cache } = cacheOn(local, { events, gate })
    await inspector.set('k', 'v')
    const steps = await timedSteps(() => cache.readFresh('k'))
    expect(steps.map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local miss', 'redis hit'])
    expect(await cache.readFresh('k')).toMatchObject({ key: 'k', value: 'v', source: 'redis' })
    expect(await local.inner.get('k')).toBe('v')
    const miss = await cache.readFresh('absent')
    expect(miss).toMatchObject({ key: 'absent', value: undefined, source: undefined })
    expect(miss.steps.map((step) => `${step.tier} ${step.outcome}`)).toEqual(['local miss', 'redis miss'])
    expect(heard.lookups).toEqual(['redis hit', 'redis hit', 'redis miss'])
    gate.suspend('listener')
    await inspector.set('s', 'v')
    expect(await cache.readFresh('s')).toMatchObject({ value: 'v', source: 'redis' })
    expect(await local.inner.get('s')).toBeUndefined()
    const { cache: uncached } = cacheOn(new RecordingTier({ name: 'none' }))
    expect((await uncached.readFresh('k')).steps.map((step) => step.tier)).toEqual(['redis'])
  })

  test('readCached: the local copy alone, reported as a local lookup, with its tag; through get() where the tier cannot peek', async () => {
    for (const peek of [true, false]) {
      const { heard, events } = listening()
      const { cache } = cacheOn(new RecordingTier({ peek }), { events })
      await cache.write('k', 'v')
      heard.lookups.length = 0
      const cached = await cache.readCached('k')
      expect(cached?.value).toBe('v')
      expect(cached?.etag).toBe(entityTag('v'))
      expect(await cache.readCached('absent')).toBeUndefined()
      expect(heard.lookups).toEqual(['local hit', 'local miss'])
    }
    const { heard, events } = listening()
    const { cache } = cacheOn(brokenTier(), { events })
    expect(await cache.readCached('k')).toBeUndefined()
    expect(heard.lookups).toEqual(['local error'])
    expect(heard.localErrors).toEqual(['get: down'])
  })
})

describe('what TieredCache asks of the local tier', () => {
  test('a write keeps its expiry locally, none when Redis keeps the key for ever; no local tier, no call', async () => {
    const local = new RecordingTier()
    const { cache } = cacheOn(local)
    await cache.write('a', 'v', 60, { trace: false })
    await cache.write('b', 'v', 0, { trace: false })
    const [[, a, aTtl], [, b, bTtl]] = local.calls as [Call, Call]
    expect([a, aTtl! > 59 && aTtl! <= 60, b, bTtl]).toEqual(['a', true, 'b', undefined])
    expect(local.calls).toHaveLength(2)
    const none = new RecordingTier({ name: 'none' })
    await cacheOn(none).cache.write('c', 'v', 60)
    expect(none.calls).toEqual([])
  })

  test('a fill keeps what is left of the Redis expiry; nothing is filled for a miss', async () => {
    const local = new RecordingTier()
    const { cache } = cacheOn(local)
    await inspector.set('expiring', 'v', 'PX', 30_000)
    await inspector.set('lasting', 'v')
    await cache.read('expiring')
    await cache.read('lasting')
    await cache.read('missing')
    const [, expiring, , lasting] = local.calls
    expect(expiring![2]).toBeGreaterThan(29)
    expect(expiring![2]).toBeLessThanOrEqual(30)
    expect(lasting).toEqual(['set', 'lasting', undefined])
    expect(local.calls.filter(([operation]) => operation === 'set')).toHaveLength(2)
  })

  test('a copy lives no longer than the key in Redis, counted from when the command was sent, however late its answer', async () => {
    const local = new RecordingTier()
    const { cache, store } = cacheOn(local)
    await inspector.set('read late', 'v', 'PX', 1000)
    const heldRead = store.holdNextRead()
    const read = cache.read('read late')
    await heldRead.reached
    await Bun.sleep(600)
    heldRead.release()
    await read
    const heldWrite = store.holdNextWrite()
    const write = cache.write('written late', 'v', 1, { trace: false })
    await heldWrite.reached
    await Bun.sleep(300)
    heldWrite.release()
    await write
    const ttls = local.calls.filter(([operation]) => operation === 'set').map(([, key, ttlSeconds]) => [key, ttlSeconds! <= 1 - 0.3, ttlSeconds! > 0])
    expect(ttls).toEqual([
      ['read late', true, true],
      ['written late', true, true],
    ])
    expect(local.calls.find(([operation, key]) => operation === 'set' && key === 'read late')![2]).toBeLessThanOrEqual(0.4)
  })

  test('a tier that leases is filled under the lease its miss took, never with a plain set', async () => {
    const local = new LeasingTier()
    const { cache } = cacheOn(local)
    await inspector.set('k', 'v')
    expect(await cache.read('k')).toMatchObject({ value: 'v', source: 'redis' })
    expect(local.calls).toEqual([
      ['getForFill', 'k'],
      ['fill', 'k@7', undefined],
    ])
  })

  test('peekLocal answers a local copy synchronously, only while the gate lets copies be served', async () => {
    const { heard, events } = listening()
    let now = 0
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: () => now })
    const { cache } = cacheOn(new RecordingTier({ peek: true }), { events, gate })
    await cache.write('k', 'v')
    expect(cache.peekLocal('k')?.value).toBe('v')
    expect(cache.peekLocal('missing')).toBeUndefined()
    expect(heard.lookups).toEqual(['local hit'])
    gate.heartbeatAnswered('listener', 0)
    now = 101
    expect(cache.peekLocal('k')).toBeUndefined()
    now = 50
    gate.suspend('listener')
    expect(cache.peekLocal('k')).toBeUndefined()
    expect(heard.lookups).toEqual(['local hit'])
  })

  test('peekLocal of a tier that cannot peek, or of no tier, is "take read()"', async () => {
    const { cache } = cacheOn(new RecordingTier())
    await cache.write('k', 'v')
    expect(cache.peekLocal('k')).toBeUndefined()
    const { cache: uncached } = cacheOn(new RecordingTier({ name: 'none', peek: true }))
    await uncached.write('k', 'v')
    expect(uncached.peekLocal('k')).toBeUndefined()
  })
})

describe('races, with Redis answers held', () => {
  test('a read answered before an invalidation of its key does not fill the local tier', async () => {
    const local = new RecordingTier()
    const { cache, store } = cacheOn(local)
    await inspector.set('k', 'old')
    const held = store.holdNextRead()
    const read = cache.read('k')
    await held.reached
    await inspector.set('k', 'new')
    await cache.invalidate('k')
    held.release()
    expect((await read).value).toBe('old')
    expect(await local.inner.get('k')).toBeUndefined()
    expect(cache.gate.pendingOperations).toBe(0)
  })

  test('a read answered before a remove of its key does not fill the local tier', async () => {
    const local = new RecordingTier()
    const { cache, store } = cacheOn(local)
    await inspector.set('k', 'old')
    const held = store.holdNextRead()
    const read = cache.read('k')
    await held.reached
    expect(await cache.remove('k')).toBe(true)
    held.release()
    await read
    expect(await local.inner.get('k')).toBeUndefined()
    expect(await cache.read('k')).toMatchObject({ value: undefined, source: undefined })
    expect(cache.gate.pendingOperations).toBe(0)
  })

  test('a read invoked after a write or a remove was acknowledged does not join a GET sent before it', async () => {
    const { cache, store } = cacheOn(new RecordingTier())
    await inspector.set('k', 'old')
    const held = store.holdNextRead()
    const before = cache.read('k')
    await held.reached
    await cache.write('k', 'new', 60, { trace: false })
    expect(await cache.read('k')).toMatchObject({ value: 'new' })
    const heldAgain = store.holdNextRead()
    const beforeRemove = cache.read('j')
    await heldAgain.reached
    await cache.remove('j')
    await inspector.set('j', 'after')
    expect((await cache.read('j')).value).toBe('after')
    held.release()
    heldAgain.release()
    await Promise.all([before, beforeRemove])
  })

  test('a read invoked after a write, with the local tier set aside, does not join a GET sent before the write', async () => {
    let now = 0
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: () => now })
    const { cache, store } = cacheOn(new RecordingTier(), { gate })
    await inspector.set('k', 'old')
    gate.heartbeatAnswered('listener', 0)
    now = 101
    // The stream is not proven current: reads skip the local tier and ask Redis, where they could share a GET.
    const held = store.holdNextRead()
    const before = cache.read('k')
    await held.reached
    await cache.write('k', 'new', 60, { trace: false })
    expect(await cache.read('k')).toMatchObject({ value: 'new', source: 'redis' })
    held.release()
    expect((await before).value).toBe('old')
  })

  test('a remove overtakes every read in flight, however many: none of them fills the local tier', async () => {
    const local = new RecordingTier()
    const { cache, store } = cacheOn(local)
    await inspector.set('k', 'old')
    const heldRead = store.holdNextRead()
    const read = cache.read('k')
    await heldRead.reached
    // A fresh read sends a GET of its own: two reads of the key in flight, each with its stamp.
    const heldFresh = store.holdNextRead()
    const fresh = cache.readFresh('k')
    await heldFresh.reached
    expect(await cache.remove('k')).toBe(true)
    heldFresh.release()
    await fresh
    heldRead.release()
    await read
    expect(await local.inner.get('k')).toBeUndefined()
    expect(cache.gate.pendingOperations).toBe(0)
  })

  test('after a write of unknown outcome a read sends a GET of its own, and the failing local delete is named', async () => {
    const { heard, events } = listening()
    // A local tier that fails every call: reads go on to Redis, where they could share a GET.
    const { cache, store } = cacheOn(brokenTier(), { events })
    await inspector.set('k', 'old')
    const held = store.holdNextRead()
    const before = cache.read('k')
    await held.reached
    store.failWrites = true
    expect(await failure(cache.write('k', 'new', 60, { trace: false }))).toBeInstanceOf(StoreUnavailableError)
    expect(heard.localErrors).toContain('delete: down')
    store.failWrites = false
    // Applied in Redis though its answer was a timeout: a read invoked now sees it.
    expect(await cache.read('k')).toMatchObject({ value: 'new', source: 'redis' })
    held.release()
    expect((await before).value).toBe('old')
  })

  test('a GET that was overtaken, when it ends, leaves the newer GET to be shared', async () => {
    const { cache, store } = cacheOn(new RecordingTier())
    await inspector.set('k', 'v')
    const heldFirst = store.holdNextRead()
    const first = cache.read('k')
    await heldFirst.reached
    await cache.invalidate('k')
    const heldSecond = store.holdNextRead()
    const second = cache.read('k')
    await heldSecond.reached
    heldFirst.release()
    await first
    const third = cache.read('k')
    heldSecond.release()
    await Promise.all([second, third])
    expect(store.reads).toBe(2)
  })

  test('a write of unknown outcome (a timeout) drops the local copy: Redis may hold either value', async () => {
    const local = new RecordingTier()
    const { cache, store } = cacheOn(local)
    await cache.write('k', 'old')
    await cache.write('j', 'old')
    store.failWrites = true
    expect(await failure(cache.write('k', 'new'))).toBeInstanceOf(StoreUnavailableError)
    expect(await failure(cache.remove('j'))).toBeInstanceOf(StoreUnavailableError)
    expect(await local.inner.get('k')).toBeUndefined()
    expect(await local.inner.get('j')).toBeUndefined()
    store.failWrites = false
    expect(await cache.read('k')).toMatchObject({ value: 'new', source: 'redis' })
    expect(cache.gate.pendingOperations).toBe(0)
  })
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { CoherenceGate } from '../../../src/cache/coherence/coherence-gate.ts'
import { InvalidationListener } from '../../../src/cache/coherence/invalidation-listener.ts'
import { createLogger } from '../../../src/logger.ts'
import { redisClientFor, redisInspector } from '../../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../../harness/service-process.ts'
import { eventually } from '../../harness/wait-for.ts'

/** The listener in this process, on a real Redis, telling a cache that records what it was told. */
let server: ServiceProcess
let inspector: Redis
beforeAll(async () => {
  server = await startRedis()
  inspector = redisInspector(server)
})
afterAll(async () => {
  inspector.disconnect()
  await server.stop()
})

function listenerOn(redis: ServiceProcess, heartbeatIntervalMs = 10) {
  let listener: InvalidationListener
  const data = redisClientFor(redis)
  const subscriber = new Redis({ port: redis.port, host: '127.0.0.1', protocol: 2, enableAutoPipelining: false, autoResubscribe: false, commandTimeout: 1000, retryStrategy: () => 20 })
  subscriber.on('error', () => {})
  const told = { keys: [] as string[], flushes: 0, forgets: 0 }
  const cache = {
    invalidate: async (key: string) => void told.keys.push(key),
    invalidateAll: async () => void told.flushes++,
    forgetLocal: async () => void told.forgets++,
  }
  const gate = new CoherenceGate({ maxStalenessMs: 100 })
  const logs: string[] = []
  /** The listener's state when each line was logged. */
  const statesAtLog: string[] = []
  const logger = createLogger({
    level: 'info',
    write: (chunk) => {
      logs.push(chunk)
      statesAtLog.push(listener.state)
    },
    maxBufferBytes: 0,
  })
  const roundTrips: number[] = []
  listener = new InvalidationListener({ data, subscriber, cache, gate, logger, heartbeatIntervalMs, heartbeatLostAfterMs: 1000, onHeartbeat: (ms) => roundTrips.push(ms) })
  const log = () => logs.join('')
  return {
    data,
    subscriber,
    told,
    gate,
    listener,
    log,
    roundTrips,
    statesAtLog,
    /** Log lines with this message. */
    count: (message: string) => log().split('\n').filter((line) => line.includes(`"msg":"${message}"`)).length,
    async close() {
      await listener.close()
      data.disconnect()
    },
  }
}

const COHERENT = 'local tier kept coherent by redis invalidations'
const SUSPENDED = 'local tier suspended until invalidations flow again'

/** A key changed straight in Redis reaches the listener: invalidations flow. */
async function flowing(l: ReturnType<typeof listenerOn>, key: string): Promise<void> {
  await inspector.set(key, 'v')
  await eventually(() => l.told.keys.includes(key), `the invalidation of ${key}`)
}

describe('InvalidationListener', () => {
  test('suspends the gate until tracking is on and proven by a heartbeat; forgets once, then serves', async () => {
    const l = listenerOn(server)
    try {
      expect(l.gate.suspended).toBe(false)
      l.listener.start()
      expect(l.gate.suspended).toBe(true)
      expect(l.listener.state).toBe('connecting')
      await l.listener.decided
      expect(l.listener.state).toBe('tracking')
      expect(l.gate.suspended).toBe(false)
      expect(l.told.forgets).toBe(1)
      expect(l.roundTrips.length).toBeGreaterThanOrEqual(1)
      expect(l.gate.memberHeartbeatAgeMs(l.listener)).toBeDefined()
      expect(l.count(COHERENT)).toBe(1)
    } finally {
      await l.close()
    }
  })

  test('names every key changed elsewhere, commas and all; a FLUSHALL flushes all; our own writes are not echoed', async () => {
    const l = listenerOn(server)
    l.listener.start()
    try {
      await l.listener.decided
      await l.data.set('own write', 'v')
      await flowing(l, 'a,b c')
      await inspector.flushall()
      await eventually(() => l.told.flushes === 1, 'the flush')
      expect(l.told.keys).toEqual(['a,b c'])
      // Something published on the channel that is not a key list is not taken for one.
      await inspector.publish('__redis__:invalidate', 'not a list')
      await flowing(l, 'after')
      expect(l.told.keys).toEqual(['a,b c', 'after'])
      expect(l.told.flushes).toBe(1)
    } finally {
      await l.close()
    }
  })

  test('heartbeats keep proving the stream current', async () => {
    const l = listenerOn(server)
    l.listener.start()
    try {
      await l.listener.decided
      await eventually(() => l.roundTrips.length >= 5, 'five heartbeats')
      expect(l.gate.localSkipReason()).toBeUndefined()
    } finally {
      await l.close()
    }
  })

  test('the subscriber dropped: suspended, then tracking again through the new one, forgetting what was held', async () => {
    const l = listenerOn(server)
    l.listener.start()
    try {
      await l.listener.decided
      expect(Number(await inspector.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBe(1)
      await eventually(() => l.count(SUSPENDED) === 1, 'the suspension')
      expect(l.log()).toContain('"connection":"subscriber"')
      await eventually(() => l.count(COHERENT) === 2 && !l.gate.suspended, 'tracking again')
      expect(l.told.forgets).toBe(2)
      await flowing(l, 'after the subscriber came back')
    } finally {
      await l.close()
    }
  })

  test('the data connection dropped: suspended, then tracking switched on again for the new one', async () => {
    const l = listenerOn(server)
    l.listener.start()
    try {
      await l.listener.decided
      await l.data.client('SETNAME', 'tracked')
      expect(Number(await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'))).toBeGreaterThanOrEqual(1)
      await eventually(() => l.count(SUSPENDED) === 1, 'the suspension')
      expect(l.log()).toContain('"connection":"data"')
      await eventually(() => l.count(COHERENT) === 2 && !l.gate.suspended, 'tracking again')
      expect(String(await l.data.call('CLIENT', 'TRACKINGINFO'))).toContain('bcast')
      // NOLOOP again: our own writes on the new data connection are not echoed.
      await l.data.set('own again', 'v')
      await flowing(l, 'after the data connection came back')
      expect(l.told.keys).not.toContain('own again')
    } finally {
      await l.close()
    }
  })

  test('without heartbeats (interval 0) tracking still starts and closes, and no member heartbeats', async () => {
    const l = listenerOn(server, 0)
    l.listener.start()
    await l.listener.decided
    expect(l.listener.state).toBe('tracking')
    expect(l.gate.heartbeatAgeMs()).toBeUndefined()
    await flowing(l, 'without heartbeats')
    await l.close()
    expect(l.roundTrips).toEqual([])
  })

  test('connections already up when it starts: tracking starts at once', async () => {
    const l = listenerOn(server)
    await Promise.all([l.data.ping(), l.subscriber.ping()])
    l.listener.start()
    try {
      await l.listener.decided
      expect(l.listener.state).toBe('tracking')
    } finally {
      await l.close()
    }
  })

  test('both connections dropped at once: one suspension, logged while connecting', async () => {
    const l = listenerOn(server)
    l.listener.start()
    try {
      await l.listener.decided
      await l.data.client('SETNAME', 'tracked')
      await Promise.all([inspector.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')])
      await eventually(() => l.count(COHERENT) === 2 && !l.gate.suspended, 'tracking again')
      expect(l.count(SUSPENDED)).toBe(1)
      const suspendedLine = l.log().split('\n').findIndex((line) => line.includes(SUSPENDED))
      expect(l.statesAtLog[suspendedLine]).toBe('connecting')
    } finally {
      await l.close()
    }
  })

  test('closed: a data connection that reconnects is not tracked again', async () => {
    const l = listenerOn(server)
    l.listener.start()
    await l.listener.decided
    await l.listener.close()
    await l.data.client('SETNAME', 'tracked')
    await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
    await eventually(async () => (await l.data.ping().catch(() => '')) === 'PONG', 'the data connection back')
    await Bun.sleep(50)
    expect(String(await l.data.call('CLIENT', 'TRACKINGINFO'))).toContain('off')
    expect(l.subscriber.status).toBe('end')
    l.data.disconnect()
  })

  test('closed: nothing more is applied, nothing more is sent', async () => {
    const l = listenerOn(server)
    l.listener.start()
    await l.listener.decided
    await l.close()
    expect(l.listener.state).toBe('closed')
    const beats = l.roundTrips.length
    await inspector.set('after close', 'v')
    await Bun.sleep(50)
    expect(l.told.keys).toEqual([])
    expect(l.roundTrips.length).toBe(beats)
    expect(l.subscriber.status).toBe('end')
  })
})

describe('InvalidationListener on a Redis that refuses tracking', () => {
  let locked: ServiceProcess
  beforeAll(async () => {
    locked = await startRedis(['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-client'])
  })
  afterAll(() => locked.stop())

  test('refused without heartbeats, and a data connection that reconnects later tries nothing again', async () => {
    const l = listenerOn(locked, 0)
    l.listener.start()
    try {
      await l.listener.decided
      expect(l.listener.state).toBe('refused')
      await eventually(() => l.subscriber.status === 'end', 'the subscriber disconnected')
      l.data.disconnect(true)
      await eventually(async () => (await l.data.ping().catch(() => '')) === 'PONG', 'the data connection back')
      await Bun.sleep(50)
      expect(l.subscriber.status).toBe('end')
      expect(l.listener.state).toBe('refused')
    } finally {
      await l.close()
    }
  })

  test('one warning; local copies served (bounded by their TTL), no heartbeat counts, the subscriber let go', async () => {
    const l = listenerOn(locked)
    l.listener.start()
    try {
      await l.listener.decided
      expect(l.listener.state).toBe('refused')
      expect(l.gate.suspended).toBe(false)
      expect(l.gate.heartbeatAgeMs()).toBeUndefined()
      expect(l.told.forgets).toBe(1)
      expect(l.log()).toContain('redis refuses client tracking')
      await eventually(() => l.subscriber.status === 'end', 'the subscriber disconnected')
      await Bun.sleep(30)
      expect(l.roundTrips).toEqual([])
      expect(l.count(COHERENT)).toBe(0)
    } finally {
      await l.close()
    }
  })
})

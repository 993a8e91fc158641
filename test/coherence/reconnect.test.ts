import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type ProxyProcess, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'
import { cacheLocally, msUntilFresh, readKey, type KeyAnswer } from './key-client.ts'

/** Real processes on a shared, loaded 2-core machine: room to start them, bounds kept in the assertions. */
const SLOW_MS = 30_000

/** Invalidations missed while a connection was down must not leave a stale local copy. */
let redis: ServiceProcess
let inspector: Redis
let proxy: ProxyProcess
beforeAll(async () => {
  redis = await startRedis()
  inspector = redisInspector(redis)
  proxy = await startProxy('bun', { ...SHIPPED_STALENESS_BOUND, REDIS_URL: `redis://127.0.0.1:${redis.port}` })
}, SLOW_MS)
afterAll(async () => {
  inspector.disconnect()
  await proxy?.stop()
  await redis.stop()
})

/** Reads until the new value shows; no answer along the way may be the old value. */
async function neverStaleUntil(key: string, fresh: string, stale: string, timeoutMs = 8000): Promise<void> {
  const seen: KeyAnswer[] = []
  await eventually(
    async () => {
      const answer = await readKey(proxy, key)
      seen.push(answer)
      return answer.value === fresh
    },
    `${key} = ${fresh}`,
    timeoutMs,
    5,
  )
  expect(seen.filter((answer) => answer.value === stale)).toEqual([])
}

describe('reconnects', () => {
  test('a value changed while the subscriber was disconnected is not served stale', async () => {
    await inspector.set('sub-drop', 'old')
    await cacheLocally(proxy, 'sub-drop', 'old')
    // The proxy's subscriber is the one connection in RESP2 pub/sub: kill it and write at once.
    expect(Number(await inspector.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThan(0)
    await inspector.set('sub-drop', 'new')
    await msUntilFresh(proxy, 'sub-drop', (x) => x.value === 'new', 3000, 20)
    expect(proxy.output()).toContain('local tier suspended until invalidations flow again')
    // Tracking is redirected to the new subscriber: the next change still arrives.
    await cacheLocally(proxy, 'sub-drop', 'new')
    await inspector.set('sub-drop', 'newer')
    expect(await msUntilFresh(proxy, 'sub-drop', (x) => x.value === 'newer')).toBeLessThan(200)
  }, SLOW_MS)

  test('a value changed while the data connection was disconnected is not served stale', async () => {
    await inspector.set('data-drop', 'old')
    await cacheLocally(proxy, 'data-drop', 'old')
    expect(Number(await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'))).toBeGreaterThan(0)
    await inspector.set('data-drop', 'new')
    await msUntilFresh(proxy, 'data-drop', (x) => x.value === 'new', 3000, 20)
    // Tracking was switched on again for the new data connection.
    await cacheLocally(proxy, 'data-drop', 'new')
    await inspector.set('data-drop', 'newer')
    expect(await msUntilFresh(proxy, 'data-drop', (x) => x.value === 'newer')).toBeLessThan(200)
  }, SLOW_MS)

  test('kill and restart Redis: a value written while the proxy was away is not served stale', async () => {
    await inspector.set('restart', 'old')
    await cacheLocally(proxy, 'restart', 'old')
    await redis.kill()
    // While Redis is down the local tier is suspended: no stale hit, a 503.
    await eventually(async () => (await readKey(proxy, 'restart')).status === 503, 'a 503 while Redis is down', 3000)
    expect((await (await fetch(`${proxy.url}/readyz`)).json()).tiers.local).toMatchObject({ kind: 'memory', suspended: true })
    await redis.restart()
    await inspector.set('restart', 'new')
    await neverStaleUntil('restart', 'new', 'old')
    await eventually(async () => (await (await fetch(`${proxy.url}/readyz`)).json()).tiers.local.suspended === false, 'readyz: local tier in use again')
    await cacheLocally(proxy, 'restart', 'new')
    await inspector.set('restart', 'newer')
    expect(await msUntilFresh(proxy, 'restart', (x) => x.value === 'newer')).toBeLessThan(200)
  }, SLOW_MS)
})

describe('a Redis that refuses tracking', () => {
  test('logs one warning, and bounds local copies by the Redis TTL', async () => {
    const locked = await startRedis(['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-client'])
    const lockedInspector = redisInspector(locked)
    const refused = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${locked.port}` })
    try {
      await eventually(() => refused.output().includes('redis refuses client tracking'), 'the warning')
      await lockedInspector.set('short-lived', 'v', 'PX', 700)
      await cacheLocally(refused, 'short-lived', 'v')
      const cached = performance.now()
      await msUntilFresh(refused, 'short-lived', (x) => x.status === 404, 3000)
      expect(performance.now() - cached).toBeLessThan(700 + 200)
      expect(refused.output().split('redis refuses client tracking')).toHaveLength(2)
    } finally {
      lockedInspector.disconnect()
      await refused.stop()
      await locked.stop()
    }
  }, SLOW_MS)
})

describe('a Redis whose ACL refuses INFO', () => {
  test('still tracks: the check that both connections reach one server is skipped', async () => {
    const locked = await startRedis(['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-info'])
    const lockedInspector = redisInspector(locked)
    const tracked = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${locked.port}` })
    try {
      await eventually(() => tracked.output().includes('local tier kept coherent by redis invalidations'), 'tracking on')
      await lockedInspector.set('acl-key', 'one')
      await cacheLocally(tracked, 'acl-key', 'one')
      await lockedInspector.set('acl-key', 'two')
      expect(await msUntilFresh(tracked, 'acl-key', (x) => x.value === 'two')).toBeLessThan(1000)
    } finally {
      lockedInspector.disconnect()
      await tracked.stop()
      await locked.stop()
    }
  }, SLOW_MS)
})

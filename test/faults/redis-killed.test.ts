import { afterAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { freePort } from '../harness/free-port.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { startRedis } from '../harness/service-process.ts'
import { getKey, putKey, report, timedFetch } from '../harness/timed-fetch.ts'
import { eventually } from '../harness/wait-for.ts'

const TIMEOUT_MS = 500
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** Writers that PUT distinct keys in a loop and remember each write that got 200. */
function writeLoad(proxy: ProxyProcess, writers: number) {
  const acknowledged = new Map<string, string>()
  const statuses = new Map<number, number>()
  let running = true
  let firstOkAfter: ((at: number) => void) | undefined
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const key = `load-${w}-${i}`
      const value = `value-${w}-${i}`
      const answer = await putKey(proxy.url, key, value).catch(() => ({ status: 0 }))
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      if (answer.status === 200) {
        acknowledged.set(key, value)
        firstOkAfter?.(performance.now())
      } else await Bun.sleep(5)
    }
  })
  return {
    acknowledged,
    statuses,
    /** Resolves with the time of the first 200 from now on. */
    nextSuccess: () => new Promise<number>((resolve) => (firstOkAfter = resolve)),
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

for (const runtime of ['bun', 'node'] as Runtime[]) describe(`Redis killed under write load (appendonly, fsync always) on ${runtime}`, () => {
  test('every write that got 200 is in Redis after the restart, and writes succeed again within 5 s', async () => {
    const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always'])
    cleanups.push(() => redis.stop())
    const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', REDIS_TIMEOUT_MS: String(TIMEOUT_MS) })
    cleanups.push(() => proxy.stop())
    const load = writeLoad(proxy, 4)
    await eventually(() => load.acknowledged.size >= 50, 'some writes to succeed')
    await redis.kill()
    const killedAt = performance.now()
    const failing = await eventually(() => (load.statuses.get(503) ?? 0) > 0, 'writes to fail with 503', 3_000).then(() => performance.now() - killedAt)
    report(`${runtime}: Redis killed → first 503`, failing)
    await Bun.sleep(300)
    const recovered = load.nextSuccess()
    await redis.restart()
    const restartedAt = performance.now()
    const recoveryMs = (await recovered) - restartedAt
    report(`${runtime}: Redis restarted → first write answered 200`, recoveryMs)
    expect(recoveryMs).toBeLessThan(5_000)
    await Bun.sleep(200)
    await load.stop()

    expect([...load.statuses.keys()].sort()).toEqual([200, 503])
    const inspector = redisInspector(redis)
    cleanups.push(async () => inspector.disconnect())
    const keys = [...load.acknowledged.keys()]
    const stored = await inspector.mget(...keys)
    const missing = keys.filter((key, i) => stored[i] !== load.acknowledged.get(key))
    expect(missing).toEqual([])
    console.log(`  measured: ${runtime}: ${keys.length} acknowledged writes, all in Redis; answers by status ${JSON.stringify(Object.fromEntries(load.statuses))}`)
    expect(proxy.output()).toContain('redis unavailable')
  }, 30_000)
})

describe('start-up without Redis', () => {
  test('serves 503s (healthz 200) while Redis is absent and recovers by itself when it appears', async () => {
    const port = await freePort()
    const proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${port}`, LOCAL_CACHE: 'memory', REDIS_TIMEOUT_MS: String(TIMEOUT_MS) })
    cleanups.push(() => proxy.stop())
    const miss = await getKey(proxy.url, 'k')
    expect(miss.status).toBe(503)
    expect(miss.headers.get('retry-after')).toBe('1')
    expect(miss.ms).toBeLessThan(3 * TIMEOUT_MS)
    report('no Redis at all → 503', miss.ms)
    const ready = await timedFetch(`${proxy.url}/readyz`)
    expect(ready).toMatchObject({ status: 503, body: { tiers: { redis: 'down' } } })
    expect((await timedFetch(`${proxy.url}/healthz`)).status).toBe(200)

    const redis = await startRedis([], port)
    cleanups.push(() => redis.stop())
    const startedAt = performance.now()
    await eventually(async () => (await putKey(proxy.url, 'k', 'v')).status === 200, 'a write to succeed', 5_000, 20)
    report('Redis appeared → first write answered 200', performance.now() - startedAt)
    expect((await getKey(proxy.url, 'k')).body).toMatchObject({ value: 'v' })
    expect((await timedFetch(`${proxy.url}/readyz`)).status).toBe(200)
  }, 30_000)
})

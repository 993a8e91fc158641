import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { cacheLocally, msUntilFresh } from './key-client.ts'

/** Real processes on a shared, loaded 2-core machine: room to start them, bounds kept in the assertions. */
const SLOW_MS = 30_000

let redis: ServiceProcess
let inspector: Redis
beforeAll(async () => {
  redis = await startRedis()
  inspector = redisInspector(redis)
}, SLOW_MS)
afterAll(async () => {
  inspector.disconnect()
  await redis.stop()
})

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`WORKERS=2 on ${runtime}`, () => {
    test('two processes share the port, each kept coherent; SIGTERM stops all and exits 0', async () => {
      const proxy = await startProxy(runtime, { ...SHIPPED_STALENESS_BOUND, REDIS_URL: `redis://127.0.0.1:${redis.port}`, WORKERS: '2' })
      try {
        const workers = proxy
          .output()
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
          .filter((line) => line.msg === 'worker listening')
          .map((line) => line.pid as number)
        expect(new Set(workers).size).toBe(2)
        expect(workers).not.toContain(proxy.child.pid)

        // Each worker has its own data connection tracked in BCAST mode, and its own subscriber.
        const clients = String(await inspector.client('LIST')).trim().split('\n')
        expect(clients.filter((line) => /flags=\S*t\S*B|flags=\S*B\S*t/.test(line))).toHaveLength(2)
        expect(clients.filter((line) => / sub=1 /.test(line))).toHaveLength(2)

        const key = `${runtime}-workers`
        await inspector.set(key, 'one')
        await inspector.config('RESETSTAT')
        // Fresh connections spread over both processes: each reads Redis once, then serves its local copy.
        await cacheLocally(proxy, key, 'one')
        expect(/cmdstat_get:calls=(\d+)/.exec(await inspector.info('commandstats'))?.[1]).toBe('2')
        await inspector.set(key, 'two')
        expect(await msUntilFresh(proxy, key, (x) => x.value === 'two', 3000, 20)).toBeLessThan(200)

        expect(await proxy.signal('SIGTERM')).toBe(0)
        for (const pid of workers) expect(isRunning(pid)).toBe(false)
      } finally {
        await proxy.stop()
      }
    }, SLOW_MS)
  })
}

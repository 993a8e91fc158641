import { afterAll, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { freePort } from '../harness/free-port.ts'
import { copyProject } from '../harness/project-copy.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { eventually } from '../harness/wait-for.ts'

/**
 * `npm start` on a machine with no Redis running, in a fresh copy of the project. The default Redis
 * (127.0.0.1:6379) is moved to a port nothing listens on, so a Redis really running on 6379 here
 * cannot change the outcome.
 */
const SLOW_MS = 180_000
const copy = copyProject()
afterAll(() => copy.remove())
const noRedis = `redis://127.0.0.1:${await freePort()}`

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function logLines(proxy: ProxyProcess): Record<string, unknown>[] {
  return proxy
    .output()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** The private Redis the proxy says it started (url and pid). */
function embeddedRedis(proxy: ProxyProcess): { url: string; pid: number } {
  const started = logLines(proxy).filter((line) => String(line.msg).includes('started a private redis-server'))
  expect(started).toHaveLength(1)
  return { url: started[0]!.url as string, pid: started[0]!.pid as number }
}

const json = { 'Content-Type': 'application/json' }

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`npm start with no Redis anywhere, on ${runtime}`, () => {
    test(
      'a private redis-server serves the seed session; SIGTERM stops both; a restart still has the keys',
      async () => {
        const doom = `${runtime}-doom`
        const shazia = `${runtime}-shazia`
        let proxy = await startProxy(runtime, { TEST_DEFAULT_REDIS_URL: noRedis }, 60_000, { cwd: copy.dir })
        try {
          const redis = embeddedRedis(proxy)
          expect(isRunning(redis.pid)).toBe(true)
          const other = new Redis(redis.url)
          await other.set(shazia, 'sana')
          other.disconnect()

          let res = await fetch(`${proxy.url}?key=${doom}`)
          expect(res.status).toBe(404)
          expect(await res.json()).toEqual({ message: '<br>Key not found in local cache<br>Key not found in redis cache' })
          res = await fetch(`${proxy.url}/set`, { method: 'POST', body: `{"${doom}": "Dr Vaughn"}`, headers: json })
          expect(await res.json()).toEqual({
            Key: doom,
            Value: 'Dr Vaughn',
            message: '<br>Key not found in local cache<br>Setting key in local cache<br>Key not found in redis cache<br>Setting key in redis cache',
            status: 'successful',
          })
          res = await fetch(`${proxy.url}?key=${doom}`)
          expect(await res.json()).toEqual({ Key: doom, Value: 'Dr Vaughn', message: '<br><b>Key found in local cache</b>', status: 'successful' })
          res = await fetch(`${proxy.url}?key=${shazia}`)
          expect(await res.json()).toEqual({ Key: shazia, Value: 'sana', message: '<br>Key not found in local cache<br><b>Key found in redis cache</b>', status: 'successful' })

          expect(await proxy.signal('SIGTERM')).toBe(0)
          // The proxy waits for its Redis to shut down (AOF flushed) before it exits.
          expect(isRunning(redis.pid)).toBe(false)

          proxy = await startProxy(runtime, { TEST_DEFAULT_REDIS_URL: noRedis }, 60_000, { cwd: copy.dir })
          const again = embeddedRedis(proxy)
          expect(again.pid).not.toBe(redis.pid)
          res = await fetch(`${proxy.url}?key=${doom}`)
          expect(await res.json()).toEqual({ Key: doom, Value: 'Dr Vaughn', message: '<br>Key not found in local cache<br><b>Key found in redis cache</b>', status: 'successful' })

          // However the proxy dies, its Redis does not outlive it.
          proxy.child.kill('SIGKILL')
          await eventually(() => !isRunning(again.pid), 'the private redis-server to stop after its proxy was killed', 10_000, 25)
        } finally {
          await proxy.stop()
        }
      },
      SLOW_MS,
    )
  })
}

test(
  'NODE_ENV=production starts no Redis of its own: GET answers 503, and the log says what to do',
  async () => {
    const proxy = await startProxy('bun', { TEST_DEFAULT_REDIS_URL: noRedis, NODE_ENV: 'production' }, 60_000, { cwd: copy.dir })
    try {
      const res = await fetch(`${proxy.url}?key=anything`)
      expect(res.status).toBe(503)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('redis_unavailable')
      const lines = logLines(proxy)
      expect(lines.some((line) => String(line.msg).includes('private redis-server'))).toBe(false)
      const warning = lines.find((line) => line.msg === 'redis unavailable')
      expect(warning?.error).toContain('ECONNREFUSED')
      expect(warning?.hint).toContain('set REDIS_URL=')
      expect(warning?.hint).toContain('apt-get install -y redis-server')
    } finally {
      await proxy.stop()
    }
  },
  SLOW_MS,
)

test(
  'a configured REDIS_URL that refuses at start-up: the warning carries the same hint, without the URL',
  async () => {
    const proxy = await startProxy('bun', { REDIS_URL: noRedis.replace('//', '//:s3cret@') }, 60_000, { cwd: copy.dir })
    try {
      const warning = logLines(proxy).find((line) => line.msg === 'redis unavailable')
      expect(warning?.hint).toContain('REDIS_URL')
      expect(warning?.hint).toContain('apt-get install -y redis-server')
      expect(proxy.output()).not.toContain('s3cret')
      expect(proxy.output()).not.toContain('private redis-server')
    } finally {
      await proxy.stop()
    }
  },
  SLOW_MS,
)

import { describe, expect, test } from 'bun:test'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { servicesForFile } from '../harness/file-services.ts'

const services = servicesForFile()

/** The seed README's curl session, request for request, against the real server process. */
for (const runtime of ['bun', 'node'] as Runtime[]) {
  for (const localCache of ['memory', 'memcached'] as const) {
    describe(`the seed curl session on ${runtime} with a ${localCache} tier`, () => {
      test('gives the seed bodies word for word, and SIGTERM exits 0', async () => {
        const prefix = `${runtime}-${localCache}-`
        const proxy = await startProxy(runtime, {
          REDIS_URL: `redis://127.0.0.1:${services.redis.port}`,
          LOCAL_CACHE: localCache,
          MEMCACHED_SERVERS: `127.0.0.1:${services.memcached.port}`,
        })
        try {
          const doom = `${prefix}doom`
          const shazia = `${prefix}shazia`
          // Written by another program early: its invalidation, on another connection, could otherwise
          // land just after the proxy's first read of it and drop the copy that read made.
          await services.inspector.set(shazia, 'sana')
          let res = await fetch(`${proxy.url}?key=${doom}`)
          expect(res.status).toBe(404)
          expect(await res.json()).toEqual({ message: '<br>Key not found in local cache<br>Key not found in redis cache' })

          res = await fetch(`${proxy.url}/set`, { method: 'POST', body: `{"${doom}": "Dr Vaughn"}`, headers: { 'Content-Type': 'application/json' } })
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
          res = await fetch(`${proxy.url}?key=${shazia}`)
          expect(await res.json()).toEqual({ Key: shazia, Value: 'sana', message: '<br><b>Key found in local cache</b>', status: 'successful' })

          res = await fetch(`${proxy.url}/set`, { method: 'POST', body: `{"${doom}": "Dr Doom"}`, headers: { 'Content-Type': 'application/json' } })
          expect((await res.json()).message).toBe('<br><b>Key found in local cache</b> Overriding!<br><b>Key found in redis cache</b> Overriding!')
          expect(await services.inspector.get(doom)).toBe('Dr Doom')

          expect(await proxy.signal('SIGTERM')).toBe(0)
          const lines = proxy.output().trim().split('\n').map((line) => JSON.parse(line))
          const requests = lines.filter((line) => line.msg === 'request')
          expect(requests).toHaveLength(6)
          expect(requests[2]).toMatchObject({ method: 'GET', path: '/', status: 200, tier: 'local' })
          expect(JSON.stringify(requests)).not.toContain('Dr Vaughn')
        } finally {
          await proxy.stop()
        }
      })
    })
  }
}

test('a bad configuration stops start-up with exit code 2 and names the variable', async () => {
  const child = Bun.spawn([process.execPath, 'src/main.ts'], { cwd: `${import.meta.dir}/../..`, env: { PATH: process.env.PATH ?? '', PORT: 'eighty' }, stderr: 'pipe', stdout: 'pipe' })
  expect(await child.exited).toBe(2)
  const stderr = await new Response(child.stderr).text()
  expect(stderr.trim().split('\n')).toHaveLength(1)
  expect(stderr).toContain('PORT')
})

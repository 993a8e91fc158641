import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { freePort } from '../harness/free-port.ts'
import { ROOT, startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { getKey, report } from '../harness/timed-fetch.ts'

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

const PAUSE_MS = 1_500

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`graceful stop on ${runtime}`, () => {
    test('SIGTERM stops accepting, lets the request in flight finish and exits 0 soon after it', async () => {
      const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'none', REDIS_TIMEOUT_MS: '5000' })
      const inspector = redisInspector(redis)
      try {
        await inspector.set('slow', 'worth the wait')
        expect((await getKey(proxy.url, 'slow')).status).toBe(200)
        // Redis holds every client's commands for a while: the next GET is in flight when SIGTERM arrives.
        await inspector.client('PAUSE', PAUSE_MS, 'ALL')
        const inFlight = getKey(proxy.url, 'slow').then((answer) => ({ ...answer, at: performance.now() }))
        await Bun.sleep(300)
        const exited = proxy.signal('SIGTERM').then((code) => ({ code, at: performance.now() }))
        await Bun.sleep(200)
        expect(await accepts(proxy.port)).toBe(false)

        const answer = await inFlight
        expect(answer).toMatchObject({ status: 200, body: { value: 'worth the wait' } })
        const exit = await exited
        expect(exit.code).toBe(0)
        report(`${runtime}: request finished → process exited`, exit.at - answer.at)
        expect(exit.at - answer.at).toBeLessThan(3_000)
        const messages = proxy.output().trim().split('\n').map((line) => JSON.parse(line).msg)
        // The request in flight was answered (and logged) between the signal and the end.
        expect(messages.slice(-3)).toEqual(['stopping', 'request', 'stopped'])
      } finally {
        inspector.disconnect()
        await proxy.stop()
      }
    }, 30_000)
  })
}

test('SIGINT stops the Bun proxy the same way: exit 0 after closing', async () => {
  const proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory' })
  try {
    expect((await getKey(proxy.url, 'absent')).status).toBe(404)
    expect(await proxy.signal('SIGINT')).toBe(0)
    expect(proxy.output()).toContain('"signal":"SIGINT"')
    expect(proxy.output()).toContain('"msg":"stopped"')
  } finally {
    await proxy.stop()
  }
}, 30_000)

test('SIGTERM while start-up still waits for an absent Redis: exit 0 without listening', async () => {
  const child = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: String(await freePort()) },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  // Its first complaint about Redis comes after the signal handlers are in place.
  const reader = child.stdout.getReader()
  let output = ''
  while (!output.includes('"msg":"redis unavailable"')) {
    const { value, done } = await reader.read()
    if (done) break
    output += new TextDecoder().decode(value)
  }
  child.kill('SIGTERM')
  expect(await child.exited).toBe(0)
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) output += new TextDecoder().decode(chunk.value)
  expect(output).toContain('"msg":"stopped"')
  expect(output).not.toContain('"msg":"listening"')
}, 30_000)

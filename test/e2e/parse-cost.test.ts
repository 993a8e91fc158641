import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { maxBodyBytesFor } from '../../src/http/body-limit.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/** The default MAX_VALUE_BYTES, so the body limit is the one users get. */
const BODY_LIMIT = maxBodyBytesFor(1048576)
/** Bodies in flight at once: each took 0.4–1.8 s of CPU to parse before parsing was bounded. */
const IN_FLIGHT = 8
/** Generous: without the bound, /healthz waited 2–10 s behind these bodies. */
const HEALTHZ_BOUND_MS = 1000

/** A /set JSON body of as many tiny pairs as fit the body limit (~300k). */
function manyPairsJson(): string {
  const parts: string[] = []
  let size = 2
  for (let i = 0; size + 16 < BODY_LIMIT; i++) {
    const pair = `"${i.toString(36)}":""`
    parts.push(pair)
    size += pair.length + 1
  }
  return `{${parts.join(',')}}`
}

/** A form post of as many empty fields as fit the body limit (~1M). */
function manyFieldsForm(): string {
  return 'k=&'.repeat(Math.floor((BODY_LIMIT - 64) / 3)) + 'key_to_save=a&retrieved_value=b'
}

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`bodies of many tiny pairs on the real ${runtime} server`, () => {
    let proxy: ProxyProcess
    beforeAll(async () => {
      proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOG_LEVEL: 'info' })
    }, 30_000)
    afterAll(async () => proxy.stop())

    test(`${IN_FLIGHT} of them in flight are refused while /healthz stays under ${HEALTHZ_BOUND_MS} ms`, async () => {
      const json = manyPairsJson()
      const form = manyFieldsForm()
      expect(json.length).toBeLessThan(BODY_LIMIT)
      expect(form.length).toBeLessThan(BODY_LIMIT)
      let settled = 0
      const posts = Array.from({ length: IN_FLIGHT }, async (_, i) => {
        const [body, type] = i % 2 === 0 ? [json, 'application/json'] : [form, 'application/x-www-form-urlencoded']
        try {
          const res = await fetch(`${proxy.url}/set`, { method: 'POST', body, headers: { 'Content-Type': type } })
          const text = await res.text()
          return { type, status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string } }).error?.code : text.slice(0, 80) }
        } catch (error) {
          return { type, status: 0, code: String(error) }
        } finally {
          settled++
        }
      })
      const latencies: number[] = []
      while (settled < IN_FLIGHT) {
        const started = performance.now()
        const health = await fetch(`${proxy.url}/healthz`)
        expect(health.status).toBe(200)
        latencies.push(performance.now() - started)
      }
      const answers = await Promise.all(posts)
      console.log(runtime, 'healthz ms', Math.round(Math.max(...latencies)), 'samples', latencies.length, answers.map((a) => `${a.status} ${a.code}`).join('; '))
      for (const answer of answers) expect(answer).toMatchObject({ status: 413, code: 'too_many_pairs' })
      expect(latencies.length).toBeGreaterThan(0)
      expect(Math.max(...latencies)).toBeLessThan(HEALTHZ_BOUND_MS)
      const inspector = redisInspector(redis)
      expect(await inspector.exists('a', '0', 'k')).toBe(0)
      inspector.disconnect()
    }, 60_000)
  })
}

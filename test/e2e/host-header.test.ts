import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { rawRequest } from '../harness/raw-http.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

/** Nothing of the server's insides: no HTML error page, no paths, no source lines. */
function expectNoInsides(raw: string) {
  expect(raw).not.toContain('<html')
  expect(raw).not.toContain('src/')
  expect(raw).not.toContain('.ts')
}

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`the Host header on the real ${runtime} server`, () => {
    let proxy: ProxyProcess
    beforeAll(async () => {
      // No NODE_ENV, as `npm start` runs it; a limit of 2 so that the overloaded path is reachable.
      proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, MAX_CONCURRENT_REQUESTS: '2', REDIS_TIMEOUT_MS: '10000' })
    }, 30_000)
    afterAll(async () => proxy.stop())

    test('a request without Host (HTTP/1.0) routes by its path', async () => {
      const { answers, raw } = await rawRequest(proxy.port, 'GET /healthz HTTP/1.0\r\n\r\n')
      expect(answers[0]).toMatchObject({ status: 200, body: '{"status":"ok"}' })
      expectNoInsides(raw)
      const write = await rawRequest(proxy.port, 'POST /set HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"no-host":"sent"}')
      expect(write.answers[0]!.status).toBe(200)
      const read = await rawRequest(proxy.port, 'GET /v1/keys/no-host HTTP/1.0\r\n\r\n')
      expect(JSON.parse(read.answers[0]!.body)).toMatchObject({ key: 'no-host', value: 'sent' })
    })

    test('an invalid Host gets 400 and writes nothing', async () => {
      const body = JSON.stringify({ [`${runtime}-bad-host`]: 'no' })
      for (const host of ['a/b', 'a b', 'a@b', 'a\\b']) {
        const { answers, raw } = await rawRequest(proxy.port, `POST /xx/set HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
        expect({ host, status: answers[0]?.status }).toEqual({ host, status: 400 })
        expectNoInsides(raw)
      }
      expect((await fetch(`${proxy.url}/v1/keys/${runtime}-bad-host`)).status).toBe(404)
    })

    test('at MAX_CONCURRENT_REQUESTS with Redis frozen, a Host-less /healthz still answers our JSON', async () => {
      redis.freeze()
      const slow: Promise<Response>[] = []
      try {
        // The repro: slow requests in flight at a limit of 2 (each held by the frozen Redis),
        // fired until one is refused as overloaded: no sleep that guesses when the limit is reached.
        let overloaded: Response | undefined
        for (let i = 0; i < 10 && overloaded === undefined; i++) {
          const attempt = fetch(`${proxy.url}/v1/keys/slow-${i}`)
          const quick = await Promise.race([attempt, Bun.sleep(300).then(() => undefined)])
          if (quick?.status === 503) overloaded = quick
          else slow.push(attempt)
        }
        expect(((await overloaded!.json()) as { error: { code: string } }).error.code).toBe('overloaded')
        // Then `curl -0 -H 'Host:' …`: Host-less requests, refused in our JSON or, for /healthz, answered.
        const refused = await rawRequest(proxy.port, 'GET /v1/keys/x HTTP/1.0\r\n\r\n')
        expect(refused.answers[0]!.status).toBe(503)
        expect(JSON.parse(refused.answers[0]!.body).error.code).toBe('overloaded')
        expectNoInsides(refused.raw)
        for (const request of ['GET /healthz HTTP/1.0\r\n\r\n', 'GET /healthz HTTP/1.0\r\nHost:\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n']) {
          const health = await rawRequest(proxy.port, request)
          expect({ request, answer: health.answers[0] }).toMatchObject({ request, answer: { status: 200, body: '{"status":"ok"}' } })
          expectNoInsides(health.raw)
        }
        const other = await rawRequest(proxy.port, 'GET /readyz HTTP/1.0\r\nHost:\r\n\r\n')
        expect(other.answers[0]!.status).toBe(503)
        expectNoInsides(other.raw)
      } finally {
        redis.resume()
        await Promise.allSettled(slow)
      }
    }, 30_000)
  })
}

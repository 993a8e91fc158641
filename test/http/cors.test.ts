import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startProxy, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

const TOKEN = 'cors-t0ken'
const APP = 'https://app.example.com'
const OTHER_APP = 'http://localhost:5173'
const STRANGER = 'https://evil.example.net'
const bearer = { Authorization: `Bearer ${TOKEN}` }

const preflight = (origin: string, method: string, requestHeaders = 'authorization, content-type') => ({
  method: 'OPTIONS',
  headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requestHeaders },
})
const listOf = (header: string | null) => (header ?? '').split(',').map((part) => part.trim().toLowerCase())

let redis: ServiceProcess
let plain: AppFixture
let granting: AppFixture
const logLines: string[] = []
beforeAll(async () => {
  redis = await startRedis()
  plain = appFixture(redis, localTierFor('memory'))
  granting = appFixture(redis, localTierFor('memory'), { apiToken: TOKEN, env: { CORS_ORIGINS: `${APP}, ${OTHER_APP}/` }, logWrite: (chunk) => logLines.push(chunk) })
  await granting.redis.set('k', 'v')
})
afterAll(async () => {
  await Promise.all([plain.close(), granting.close()])
  await redis.stop()
})

describe('without CORS_ORIGINS', () => {
  test('no CORS header at all, and a preflight is an OPTIONS like any other (405)', async () => {
    let res = await plain.app.request('/v1/keys/k', { headers: { Origin: APP } })
    expect(res.status).toBe(200)
    for (const [name] of res.headers) expect(name).not.toStartWith('access-control-')
    expect(res.headers.get('vary')).toBeNull()
    res = await plain.app.request('/v1/keys/k', preflight(APP, 'PUT'))
    expect(res.status).toBe(405)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('with CORS_ORIGINS and API_TOKEN', () => {
  test('a preflight from a listed origin gets 204 with the methods and headers, without a token', async () => {
    const res = await granting.app.request('/v1/keys/k', preflight(APP, 'PUT', 'authorization, content-type, if-none-match, cache-control'))
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(listOf(res.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'head', 'put', 'post', 'delete']))
    expect(listOf(res.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-none-match', 'cache-control']))
    expect(listOf(res.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['etag', 'x-cache', 'x-request-id']))
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    expect(listOf(res.headers.get('vary'))).toContain('origin')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
    expect(await granting.redis.get('k')).toBe('v')
  })

  test('each listed origin is granted as itself', async () => {
    for (const origin of [APP, OTHER_APP]) {
      const res = await granting.app.request('/v1/keys/k', { headers: { Origin: origin, ...bearer } })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ key: 'k', value: 'v' })
      expect(res.headers.get('access-control-allow-origin')).toBe(origin)
      expect(listOf(res.headers.get('vary'))).toContain('origin')
      expect(listOf(res.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['etag', 'x-cache', 'x-request-id']))
      expect(res.headers.get('etag')).toStartWith('"')
      // The answer keeps what the app put on it.
      expect(res.headers.get('x-request-id')).toBeTruthy()
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    }
  })

  test('a revalidation (304) and a byte-exact PUT from a listed origin are granted too', async () => {
    const first = await granting.app.request('/v1/keys/k', { headers: { Origin: APP, ...bearer } })
    const etag = first.headers.get('etag')!
    let res = await granting.app.request('/v1/keys/k', { headers: { Origin: APP, 'If-None-Match': etag, ...bearer } })
    expect(res.status).toBe(304)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    res = await granting.app.request('/v1/keys/bytes', { method: 'PUT', body: new Uint8Array([0, 255, 1]), headers: { Origin: APP, 'Content-Type': 'application/octet-stream', ...bearer } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect([...(await granting.redis.getBuffer('bytes'))!]).toEqual([0, 255, 1])
  })

  test('a 401 to a listed origin carries the grant, so that the page can read it', async () => {
    const res = await granting.app.request('/v1/keys/k', { headers: { Origin: APP } })
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect((await res.json()).error.code).toBe('unauthorized')
  })

  test('another origin gets no grant: its preflight meets the token check, its answers no CORS header', async () => {
    let res = await granting.app.request('/v1/keys/k', preflight(STRANGER, 'PUT'))
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    res = await granting.app.request('/v1/keys/k', { headers: { Origin: STRANGER, ...bearer } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    // An origin differing only by scheme or port is another origin.
    for (const near of ['http://app.example.com', 'https://app.example.com:8443', 'http://localhost:5174']) {
      res = await granting.app.request('/v1/keys/k', preflight(near, 'GET'))
      expect(res.status).toBe(401)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  test('a preflight lets nothing through: a listed origin still needs the token for the request itself', async () => {
    const res = await granting.app.request('/v1/keys/k', { method: 'DELETE', headers: { Origin: APP } })
    expect(res.status).toBe(401)
    expect(await granting.redis.get('k')).toBe('v')
  })

  test('forms keep their same-origin check, even from a listed origin', async () => {
    const res = await granting.app.request('/set', {
      method: 'POST',
      body: new URLSearchParams({ key_to_save: 'k', retrieved_value: 'forged' }),
      headers: { Origin: APP, 'Content-Type': 'application/x-www-form-urlencoded', ...bearer },
    })
    expect(res.status).toBe(403)
    expect((await res.json()).error.code).toBe('forbidden_origin')
    expect(await granting.redis.get('k')).toBe('v')
  })

  test('a preflight is logged under the route it asks about', async () => {
    const before = logLines.length
    await granting.app.request('/v1/keys/k', preflight(APP, 'DELETE'))
    const lines = logLines.slice(before).join('').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    expect(lines.map((line) => [line.method, line.route, line.status])).toEqual([['OPTIONS', '/v1/keys/:key', 204]])
  })

  test('a local hit stays synchronous, from a listed origin too: no middleware on its path', async () => {
    await granting.app.request('/v1/keys/k', { headers: bearer })
    let answer = granting.app.fetch(new Request('http://localhost/v1/keys/k', { headers: bearer }))
    expect(answer).toBeInstanceOf(Response)
    expect(await (answer as Response).json()).toEqual({ key: 'k', value: 'v', source: 'local' })
    expect((answer as Response).headers.get('access-control-allow-origin')).toBeNull()
    answer = granting.app.fetch(new Request('http://localhost/v1/keys/k', { headers: { Origin: APP, ...bearer } }))
    expect(answer).toBeInstanceOf(Response)
    expect((answer as Response).headers.get('access-control-allow-origin')).toBe(APP)
    expect(await (answer as Response).json()).toEqual({ key: 'k', value: 'v', source: 'local' })
  })

  test('the first requests, before the grant is learnt from the middleware, are granted too', async () => {
    const fresh = appFixture(redis, localTierFor('memory'), { env: { CORS_ORIGINS: APP } })
    try {
      const answers = await Promise.all([fresh.app.fetch(new Request('http://localhost/healthz', { headers: { Origin: APP } })), fresh.app.request('/healthz', { headers: { Origin: APP } })])
      for (const res of answers) {
        expect(res.status).toBe(200)
        expect(res.headers.get('access-control-allow-origin')).toBe(APP)
        expect(listOf(res.headers.get('vary'))).toEqual(['origin'])
      }
    } finally {
      await fresh.close()
    }
  })
})

// The grant rewrites the app's Response (Hono copies it to add headers): check it on each runtime's server.
for (const runtime of ['bun', 'node'] as Runtime[]) {
  test(`the real server on ${runtime} answers a preflight, grants a listed origin, and serves /openapi.json and /docs`, async () => {
    const proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOCAL_CACHE: 'memory', API_TOKEN: TOKEN, CORS_ORIGINS: APP })
    try {
      let res = await fetch(`${proxy.url}/v1/keys/k`, preflight(APP, 'GET', 'authorization'))
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(listOf(res.headers.get('access-control-allow-headers'))).toContain('authorization')
      res = await fetch(`${proxy.url}/v1/keys/k`, { headers: { Origin: APP, ...bearer } })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ key: 'k', value: 'v' })
      expect(res.headers.get('access-control-allow-origin')).toBe(APP)
      expect(listOf(res.headers.get('vary'))).toContain('origin')
      expect(res.headers.get('content-type')).toStartWith('application/json')
      res = await fetch(`${proxy.url}/v1/keys/k`, { headers: { Origin: STRANGER, ...bearer } })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
      // The generated document and its page, on this runtime too (one server start serves both checks).
      res = await fetch(`${proxy.url}/openapi.json`, { headers: bearer })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { openapi: string }).openapi).toBe('3.1.0')
      res = await fetch(`${proxy.url}/docs`, { headers: bearer })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('id="putKey"')
    } finally {
      await proxy.stop()
    }
  }, 30_000)
}

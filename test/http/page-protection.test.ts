import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { maxValueBytes: 100, apiToken: 't' })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

const AUTH = { Authorization: 'Bearer t' }
const formPost = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  f.app.request(`http://proxy.test${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...AUTH, ...headers },
  })

describe('form posts must come from this origin', () => {
  test('same Origin, same-origin Sec-Fetch-Site, and scripts without either are accepted', async () => {
    for (const [index, headers] of ([{ Origin: 'http://proxy.test' }, { 'Sec-Fetch-Site': 'same-origin' }, {}] as Record<string, string>[]).entries()) {
      const res = await formPost('/set', { key_to_save: `ok${index}`, retrieved_value: 'v' }, headers)
      expect(res.status).toBe(200)
      expect(await f.redis.get(`ok${index}`)).toBe('v')
    }
  })

  test('another Origin, or a browser saying cross-site, gets 403 forbidden_origin on both form routes', async () => {
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ['/set', { key_to_save: 'evil', retrieved_value: 'v' }, { Origin: 'https://evil.example' }],
      ['/set', { key_to_save: 'evil', retrieved_value: 'v' }, { Origin: 'null' }],
      ['/set', { key_to_save: 'evil', retrieved_value: 'v' }, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }],
      ['/', { get_key: 'ok0' }, { Origin: 'https://evil.example' }],
    ]
    for (const [path, fields, headers] of cases) {
      const res = await formPost(path, fields, headers)
      expect(res.status).toBe(403)
      expect((await res.json()).error.code).toBe('forbidden_origin')
    }
    expect(await f.redis.exists('evil')).toBe(0)
  })

  test('a JSON post is not a form and needs no Origin check', async () => {
    const res = await f.app.request('http://proxy.test/set', {
      method: 'POST',
      body: '{"json-cross":"v"}',
      headers: { 'Content-Type': 'application/json', Origin: 'https://other.example', ...AUTH },
    })
    expect(res.status).toBe(200)
  })
})

describe('security headers', () => {
  test('are on every answer: page, JSON hit, JSON errors, 401, 404, 405, 413', async () => {
    await f.app.request('/set', { method: 'POST', body: '{"h":"v"}', headers: { 'Content-Type': 'application/json', ...AUTH } })
    const answers = [
      await f.app.request('/', { headers: AUTH }),
      await f.app.request('/?key=h', { headers: AUTH }),
      await f.app.request('/v1/keys/missing', { headers: AUTH }),
      await f.app.request('/v1/keys/h'),
      await f.app.request('/nope', { headers: AUTH }),
      await f.app.request('/set', { headers: AUTH }),
      await f.app.request('/v1/keys/big', { method: 'PUT', body: JSON.stringify({ value: 'x'.repeat(101) }), headers: { 'Content-Type': 'application/json', ...AUTH } }),
      await f.app.request('/healthz'),
    ]
    expect(answers.map((res) => res.status)).toEqual([200, 200, 404, 401, 404, 405, 413, 200])
    for (const res of answers) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    }
  })
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

const TOKEN = 's3cret-Tok3n:with/colon'
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })

let redis: ServiceProcess
let f: AppFixture
const logLines: string[] = []
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { apiToken: TOKEN, logWrite: (chunk) => logLines.push(chunk) })
  await f.redis.set('k', 'v')
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

describe('API_TOKEN', () => {
  test('a JSON client without a token gets 401 with a Bearer challenge, and nothing is written', async () => {
    for (const [path, init] of [
      ['/v1/keys/k', {}],
      ['/?key=k', {}],
      ['/v1/keys/k', { method: 'PUT', body: '{"value":"changed"}', headers: { 'Content-Type': 'application/json' } }],
      ['/set', { method: 'POST', body: '{"k":"changed"}', headers: { 'Content-Type': 'application/json' } }],
      ['/v1/keys/k', { method: 'DELETE' }],
      ['/nope', {}],
    ] as [string, RequestInit][]) {
      const res = await f.app.request(path, init)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="RedisProxyServer"')
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } })
    }
    expect(await f.redis.get('k')).toBe('v')
  })

  test('wrong tokens are refused: another, a prefix, a longer one, another scheme', async () => {
    for (const headers of [bearer('nope'), bearer(TOKEN.slice(0, -1)), bearer(`${TOKEN}x`), bearer(''), { Authorization: TOKEN }, { Authorization: `Token ${TOKEN}` }, basic(TOKEN, 'x')]) {
      const res = await f.app.request('/v1/keys/k', { headers })
      expect(res.status).toBe(401)
      expect((await res.json()).error.code).toBe('unauthorized')
    }
  })

  test('the right bearer token is let through', async () => {
    const res = await f.app.request('/v1/keys/k', { headers: bearer(TOKEN) })
    expect(res.status).toBe(200)
    expect((await res.json()).value).toBe('v')
    expect((await f.app.request('/v1/keys/k', { headers: { Authorization: `bearer ${TOKEN}` } })).status).toBe(200)
  })

  test('a browser is asked for Basic auth and may use any user name with the token as password', async () => {
    const html = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }
    let res = await f.app.request('/', { headers: html })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="RedisProxyServer", charset="UTF-8"')
    for (const user of ['', 'admin', 'ünï cødé']) {
      res = await f.app.request('/', { headers: { ...html, ...basic(user, TOKEN) } })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('name="key_to_save"')
    }
    res = await f.app.request('/', { headers: { ...html, ...basic('admin', 'wrong') } })
    expect(res.status).toBe(401)
    res = await f.app.request('/', { headers: { ...html, Authorization: 'Basic %%%not-base64' } })
    expect(res.status).toBe(401)
  })

  test('a local hit with the right token stays synchronous: no middleware turns it into a promise', async () => {
    await f.app.request('/v1/keys/k', { headers: bearer(TOKEN) })
    const answer = f.app.fetch(new Request('http://localhost/v1/keys/k', { headers: bearer(TOKEN) }))
    expect(answer).toBeInstanceOf(Response)
    expect(await (answer as Response).json()).toEqual({ key: 'k', value: 'v', source: 'local' })
  })

  test('a refused request is logged under the route it asked for, HEAD under its GET route', async () => {
    const before = logLines.length
    await f.app.request('/v1/keys/k', { headers: bearer('nope') })
    await f.app.request('/v1/keys/k', { method: 'HEAD' })
    await f.app.request('/no/such/route')
    const lines = logLines.slice(before).join('').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    expect(lines.map((l) => [l.route, l.status])).toEqual([['/v1/keys/:key', 401], ['/v1/keys/:key', 401], ['unmatched', 401]])
  })

  test('/healthz and /readyz stay open', async () => {
    expect((await f.app.request('/healthz')).status).toBe(200)
    expect((await f.app.request('/readyz')).status).toBe(200)
    expect((await f.app.request('/healthz/')).status).toBe(401)
  })

  test('the token never appears in a log line', async () => {
    const before = logLines.length
    await f.app.request('/v1/keys/k', { headers: bearer(TOKEN) })
    await f.app.request('/v1/keys/k', { headers: bearer(`${TOKEN}-wrong`) })
    await f.app.request('/', { headers: basic('user', TOKEN) })
    await f.app.request('/set', { method: 'POST', body: '{"k2":"v2"}', headers: { 'Content-Type': 'application/json', ...bearer(TOKEN) } })
    await f.app.request('/v1/keys/k', { method: 'PUT', body: '{broken', headers: { 'Content-Type': 'application/json', ...bearer(TOKEN) } })
    const written = logLines.slice(before).join('')
    expect(written.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(5)
    expect(written).toContain('"status":401')
    expect(written).not.toContain(TOKEN)
    expect(written).not.toContain(Buffer.from(`user:${TOKEN}`).toString('base64'))
    expect(written.toLowerCase()).not.toContain('authorization')
  })
})

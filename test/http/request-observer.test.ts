import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { acceptedRequestId, requestIdGenerator } from '../../src/http/request-id.ts'
import { Registry } from 'prom-client'
import { createLogger } from '../../src/logger.ts'
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let f: AppFixture
let written = ''
beforeAll(async () => {
  redis = await startRedis()
  // Unbuffered for the test: each line is written as soon as it is logged.
  const logger = createLogger({ level: 'info', write: (chunk) => (written += chunk), maxBufferBytes: 0 })
  f = appFixture(redis, localTierFor('memory'), { logger })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

const lines = () => written.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))

describe('the request log', () => {
  test('one line per request: id, method, route pattern, status, duration, tier; keys but never values', async () => {
    written = ''
    await f.app.request('/set', { method: 'POST', body: '{"log-key":"secret value"}', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer tok-123' } })
    const res = await f.app.request('/?key=log-key')
    await f.app.request('/v1/keys/other%20key')
    const [set, get, api] = lines()
    expect(set).toMatchObject({ level: 'info', msg: 'request', method: 'POST', route: '/set', status: 200 })
    expect(get).toMatchObject({ method: 'GET', route: '/', path: '/', key: 'log-key', status: 200, tier: 'local' })
    expect(get.requestId).toBe(res.headers.get('x-request-id'))
    expect(api).toMatchObject({ method: 'GET', route: '/v1/keys/:key', status: 404, tier: 'none' })
    expect(typeof get.durationMs).toBe('number')
    expect(new Set([set.requestId, get.requestId, api.requestId]).size).toBe(3)
    expect(written).not.toContain('secret value')
    expect(written).not.toContain('tok-123')
  })

  test('every keyed request names its key: PUT, DELETE, /set (JSON and form), POST /; several keys by their count', async () => {
    written = ''
    const json = { 'Content-Type': 'application/json' }
    await f.app.request('/v1/keys/put%2Fkey', { method: 'PUT', body: '{"value":"put value"}', headers: json })
    await f.app.request('/v1/keys/put%2Fkey', { method: 'PUT', body: 'raw bytes', headers: { 'Content-Type': 'application/octet-stream' } })
    await f.app.request('/v1/keys/put%2Fkey', { method: 'DELETE' })
    await f.app.request('/set', { method: 'POST', body: '{"one":"1"}', headers: json })
    await f.app.request('/set', { method: 'POST', body: '{"a":"1","b":"2","c":"3"}', headers: json })
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://localhost' }
    await f.app.request('/set', { method: 'POST', body: 'key_to_save=form+key&retrieved_value=form+value', headers: form })
    await f.app.request('/', { method: 'POST', body: 'get_key=form+key', headers: form })
    await f.app.request('/v1/keys/x', { method: 'PUT', body: '{"value":1}', headers: json })
    const logged = lines().map(({ method, route, status, key, keyCount }) => ({ method, route, status, key, keyCount }))
    expect(logged).toEqual([
      { method: 'PUT', route: '/v1/keys/:key', status: 200, key: 'put/key', keyCount: undefined },
      { method: 'PUT', route: '/v1/keys/:key', status: 200, key: 'put/key', keyCount: undefined },
      { method: 'DELETE', route: '/v1/keys/:key', status: 200, key: 'put/key', keyCount: undefined },
      { method: 'POST', route: '/set', status: 200, key: 'one', keyCount: 1 },
      { method: 'POST', route: '/set', status: 200, key: undefined, keyCount: 3 },
      { method: 'POST', route: '/set', status: 200, key: 'form key', keyCount: undefined },
      { method: 'POST', route: '/', status: 200, key: 'form key', keyCount: undefined },
      // A refused request still names the key it was about.
      { method: 'PUT', route: '/v1/keys/:key', status: 400, key: 'x', keyCount: undefined },
    ])
    for (const value of ['put value', 'raw bytes', 'form value']) expect(written).not.toContain(value)
  })

  test('traceparent: a valid one joins the line to its trace under a new span of ours; the answer carries both', async () => {
    await f.app.request('/set', { method: 'POST', body: '{"traced":"v"}', headers: { 'Content-Type': 'application/json' } })
    written = ''
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736'
    const parent = '00f067aa0ba902b7'
    const sent = { traceparent: `00-${trace}-${parent}-01` }
    // A synchronous local hit (born with its headers), a 404 from Redis, an answer given after the handler (a page).
    const answers = [f.app.fetch(new Request('http://localhost/v1/keys/traced', { headers: sent })) as Response, await f.app.request('/v1/keys/untraced', { headers: sent }), await f.app.request('/healthz', { headers: sent })]
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 200])
    const logged = lines()
    answers.forEach((answer, i) => {
      const returned = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(answer.headers.get('traceparent') ?? '')
      expect(returned?.[1]).toBe(trace)
      expect(returned?.[2]).not.toBe(parent)
      expect(logged[i]).toMatchObject({ traceId: trace, parentSpanId: parent, spanId: returned?.[2] })
    })
    expect(new Set(logged.map((line) => line.spanId)).size).toBe(3)
  })

  test('traceparent: absent or malformed, no trace is made: none in the line or the answer', async () => {
    written = ''
    const answers = [await f.app.request('/healthz'), await f.app.request('/healthz', { headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` } }), await f.app.request('/healthz', { headers: { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })]
    for (const answer of answers) expect(answer.headers.get('traceparent')).toBeNull()
    const logged = lines()
    expect(logged).toHaveLength(3)
    for (const line of logged) {
      expect(line.requestId).toBeDefined()
      for (const field of ['traceId', 'spanId', 'parentSpanId']) expect(line[field]).toBeUndefined()
    }
  })

  test('a sane X-Request-Id is kept and returned; anything else is replaced', async () => {
    written = ''
    let res = await f.app.request('/healthz', { headers: { 'X-Request-Id': 'edge-7f3a:42' } })
    expect(res.headers.get('x-request-id')).toBe('edge-7f3a:42')
    res = await f.app.request('/healthz', { headers: { 'X-Request-Id': 'has space {"json":1}' } })
    const replaced = res.headers.get('x-request-id')
    expect(replaced).not.toBe('has space {"json":1}')
    expect(replaced).toMatch(/^[a-z0-9]+-[a-z0-9]+$/)
    expect(lines().map((line) => line.requestId)).toEqual(['edge-7f3a:42', replaced])
  })

  test('request ids: bounded and printable ones accepted, unique ones made', () => {
    expect(acceptedRequestId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBeDefined()
    expect(acceptedRequestId('x'.repeat(129))).toBeUndefined()
    expect(acceptedRequestId('a\nb')).toBeUndefined()
    expect(acceptedRequestId('')).toBeUndefined()
    const next = requestIdGenerator('p')
    expect([next(), next(), next()]).toEqual(['p-1', 'p-2', 'p-3'])
  })

  test('a local hit stays synchronous with logging on, and still carries its id, route and tier', async () => {
    await f.app.request('/set', { method: 'POST', body: '{"sync-key":"v"}', headers: { 'Content-Type': 'application/json' } })
    written = ''
    const answer = f.app.fetch(new Request('http://localhost/v1/keys/sync-key', { headers: { 'X-Request-Id': 'edge-sync-1' } }))
    expect(answer).toBeInstanceOf(Response)
    const res = answer as Response
    expect(res.headers.get('x-request-id')).toBe('edge-sync-1')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(lines()).toEqual([expect.objectContaining({ requestId: 'edge-sync-1', route: '/v1/keys/:key', key: 'sync-key', tier: 'local', status: 200 })])
  })

  test('HEAD and requests no route took are labelled too: by their route, or as unmatched', async () => {
    written = ''
    const head = await f.app.request('/healthz', { method: 'HEAD' })
    await f.app.request('/no/such/route')
    await f.app.request('/v1/keys/x', { method: 'POST' })
    const [headLine, missing, wrongMethod] = lines()
    expect(headLine).toMatchObject({ method: 'HEAD', route: '/healthz', status: 200, requestId: head.headers.get('x-request-id') })
    expect(missing).toMatchObject({ route: 'unmatched', status: 404 })
    expect(wrongMethod).toMatchObject({ route: 'unmatched', status: 405 })
  })

  test('LOG_LEVEL=warn writes no request lines and makes no ids or traces; a client\'s id still comes back', async () => {
    let quiet = ''
    const metrics = new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false })
    const g = appFixture(redis, localTierFor('memory'), { logger: createLogger({ level: 'warn', write: (chunk) => (quiet += chunk), maxBufferBytes: 0 }), metrics })
    try {
      const unnamed = await g.app.request('/?key=x')
      expect(unnamed.status).toBe(404)
      expect(unnamed.headers.get('x-request-id')).toBeNull()
      await g.app.request('/set', { method: 'POST', body: '{"quiet-key":"v"}', headers: { 'Content-Type': 'application/json' } })
      for (const path of ['/?key=quiet-key', '/v1/keys/quiet-key', '/healthz']) {
        const named = await g.app.request(path, { headers: { 'X-Request-Id': 'edge-quiet-1' } })
        expect(named.status).toBe(200)
        expect(named.headers.get('x-request-id')).toBe('edge-quiet-1')
      }
      // Nothing logs a trace here: none is read, made or returned.
      const traced = await g.app.request('/v1/keys/quiet-key', { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
      expect(traced.status).toBe(200)
      expect(traced.headers.get('traceparent')).toBeNull()
      expect(quiet).toBe('')
    } finally {
      await g.close()
    }
  })
})

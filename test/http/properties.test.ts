import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { isUtf8 } from 'node:buffer'
import { MAX_KEY_BYTES } from '../../src/http/validation.ts'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

/** Run counts stay modest so that the suite stays fast; raise them locally when hunting. */
const ROUND_TRIP_RUNS = 200
const GARBAGE_RUNS = 1000
const BATCH_RUNS = 50

// Characters that mean something to URLs, JSON, HTML, Memcached or JavaScript objects.
const TRICKY = ['/', '%', '%25', '?', '#', '&', '=', '+', ' ', '\n', '\r', '\t', '\0', '\x7f', '"', "'", '\\', '<', '>', ';', ',', ':', '__proto__', 'é', '😀', '\u200b', '\ufeff', '.', '..']
const tricky = fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''))
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8')

const keyArb = fc
  .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), tricky, fc.string({ unit: 'binary', minLength: 200, maxLength: 300 }))
  // U+FFFD is refused in URLs (Bun's parser puts it in place of bytes that are not UTF-8).
  .filter((key) => utf8Bytes(key) <= MAX_KEY_BYTES && !key.includes('\ufffd'))
// Room for the run's prefix that batches put before each key.
const batchKeyArb = keyArb.filter((key) => utf8Bytes(key) <= MAX_KEY_BYTES - 16)
// Long enough that no key expires during its run; 0 means no expiry, absent the default.
const ttlArb = fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 60, max: 2 ** 31 - 1 })), { nil: undefined })
const DEFAULT_TTL = 3000
const valueArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), tricky, fc.constant(''))

const services = servicesForFile()

const JSON_HEADERS = { 'Content-Type': 'application/json' }

for (const kind of ['memory', 'memcached'] as LocalKind[]) {
  describe(`random keys and values round-trip exactly with a ${kind} local tier`, () => {
    let f: AppFixture
    beforeAll(() => {
      f = appFixture(services.redis, localTierFor(kind, services.memcached))
    })
    afterAll(async () => f.close())

    test(`PUT /v1/keys/:key then GET, from the local tier and from Redis (${ROUND_TRIP_RUNS} runs)`, async () => {
      await fc.assert(
        // URLs resolve "." and ".." path segments (even as %2E) before any server sees them: those two keys use /?key=.
        fc.asyncProperty(keyArb.filter((key) => key !== '.' && key !== '..'), valueArb, ttlArb, async (key, value, ttl) => {
          const path = `/v1/keys/${encodeURIComponent(key)}`
          const put = await f.app.request(path, { method: 'PUT', body: JSON.stringify({ value, ttl }), headers: JSON_HEADERS })
          expect(put.status).toBe(200)
          expect(await put.json()).toMatchObject({ key, value })
          expect(await (await f.app.request(path)).json()).toEqual({ key, value, source: 'local' })
          expect(await f.redis.get(key)).toBe(value)
          const expiry = await f.redis.ttl(key)
          if (ttl === 0) expect(expiry).toBe(-1)
          else expect(expiry).toBeWithin((ttl ?? DEFAULT_TTL) - 5, (ttl ?? DEFAULT_TTL) + 1)
          await f.local.delete(key)
          expect(await (await f.app.request(path)).json()).toEqual({ key, value, source: 'redis' })
        }),
        { numRuns: ROUND_TRIP_RUNS },
      )
    })

    test(`POST /v1/mset then /v1/mget, repeats and misses included, from the local tier and from Redis (${BATCH_RUNS} runs)`, async () => {
      let run = 0
      await fc.assert(
        fc.asyncProperty(fc.dictionary(batchKeyArb, valueArb, { minKeys: 1, maxKeys: 20 }), ttlArb, async (pairs, ttl) => {
          // A prefix per tier and run keeps runs apart (the tiers share one Redis); "missing" keys of a run are never written.
          const prefix = `${kind}:b${run++}:`
          const named = Object.fromEntries(Object.entries(pairs).map(([key, value]) => [prefix + key, value]))
          const keys = Object.keys(named)
          const mset = await f.app.request('/v1/mset', { method: 'POST', body: JSON.stringify({ pairs: named, ttl }), headers: JSON_HEADERS })
          expect(mset.status).toBe(200)
          expect(((await mset.json()) as { results: { key: string; created: boolean }[] }).results).toEqual(keys.map((key) => ({ key, created: true })))
          const asked = [...keys, `${prefix}missing`, keys[0]!]
          const expected = asked.map((key) => named[key] ?? null)
          for (const source of ['local', 'redis']) {
            if (source === 'redis') await Promise.all(keys.map((key) => f.local.delete(key)))
            const mget = await f.app.request('/v1/mget', { method: 'POST', body: JSON.stringify({ keys: asked }), headers: JSON_HEADERS })
            expect(mget.status).toBe(200)
            const { results } = (await mget.json()) as { results: { key: string; value: string | null; source: string }[] }
            expect(results.map((r) => r.key)).toEqual(asked)
            expect(results.map((r) => r.value)).toEqual(expected)
            expect(results.slice(0, keys.length).every((r) => r.source === source)).toBe(true)
          }
          expect(await f.redis.mget(...keys)).toEqual(keys.map((key) => named[key]!))
        }),
        { numRuns: BATCH_RUNS },
      )
    }, 60_000)

    test('keys a URL path cannot carry, or that name Object.prototype members, round-trip through /set and /?key=', async () => {
      for (const key of ['.', '..', 'a/../b', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect((await f.app.request('/set', { method: 'POST', body: JSON.stringify({ [key]: `v ${key}` }), headers: JSON_HEADERS })).status).toBe(200)
        expect(await (await f.app.request(`/?key=${encodeURIComponent(key)}`)).json()).toMatchObject({ Key: key, Value: `v ${key}` })
      }
    })

    test(`POST /set then GET /?key= (${ROUND_TRIP_RUNS} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(keyArb, valueArb, async (key, value) => {
          const set = await f.app.request('/set', { method: 'POST', body: JSON.stringify({ [key]: value }), headers: JSON_HEADERS })
          expect(set.status).toBe(200)
          expect(await set.json()).toMatchObject({ Key: key, Value: value, status: 'successful' })
          const get = await f.app.request(`/?key=${encodeURIComponent(key)}`)
          expect(get.status).toBe(200)
          expect(await get.json()).toMatchObject({ Key: key, Value: value, message: '<br><b>Key found in local cache</b>' })
          expect(await f.redis.get(key)).toBe(value)
        }),
        { numRuns: ROUND_TRIP_RUNS },
      )
    })
  })
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const
const pathArb = fc.oneof(
  fc.constantFrom('/', '/set', '/v1/keys/x', '/v1/keys/', '/v1/keys', '/healthz', '/readyz', '/v1', '/%', '/v1/keys/%', '/v1/keys/%C0%80'),
  fc.string({ unit: 'binary', maxLength: 30 }).map((text) => `/v1/keys/${text}`),
  fc.string({ unit: 'binary', maxLength: 30 }).map((text) => `/?key=${text}`),
  fc.tuple(tricky, tricky).map(([a, b]) => `/?key=${a}&${b}`),
  fc.string({ maxLength: 30 }).map((text) => `/${text}`),
)

// Weighted toward the routes that read bodies, so that most garbage gets past routing.
const targetArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/set', '/')) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('PUT'), fc.oneof(fc.constant('/v1/keys/x'), pathArb)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/v1/mget', '/v1/mset')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...METHODS), pathArb) },
)
const contentTypeArb = fc.option(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b') },
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/problem+json',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=b',
      'text/plain',
      'text/html',
      'application/octet-stream',
    ),
    fc.string({ maxLength: 40 }),
  ),
  { freq: 8 },
)
const bodyArb = fc.oneof(
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((value) => JSON.stringify({ value })),
  fc.dictionary(fc.oneof(fc.string(), tricky), fc.jsonValue()).map((pairs) => JSON.stringify(pairs)),
  fc.record({ keys: fc.oneof(fc.array(fc.oneof(fc.string(), tricky, fc.jsonValue())), fc.jsonValue()) }, { requiredKeys: [] }).map((body) => JSON.stringify(body)),
  fc
    .record({ pairs: fc.oneof(fc.dictionary(fc.oneof(fc.string(), tricky), fc.oneof(fc.string(), fc.jsonValue())), fc.jsonValue()), ttl: fc.jsonValue(), encoding: fc.oneof(fc.constantFrom('base64', 'utf8'), fc.jsonValue()) }, { requiredKeys: [] })
    .map((body) => JSON.stringify(body)),
  fc.dictionary(fc.constantFrom('key_to_save', 'retrieved_value', 'get_key', 'x'), fc.string({ unit: 'binary' })).map((fields) => new URLSearchParams(fields).toString()),
  fc.string({ unit: 'binary', maxLength: 100 }).map((text) => `--b\r\nContent-Disposition: form-data; name="key_to_save"\r\n\r\n${text}\r\n--b--`),
  // Raw bytes, invalid UTF-8 included.
  fc.uint8Array({ maxLength: 200 }).map((bytes) => new Blob([Uint8Array.from(bytes)])),
)
const headersArb = fc.record(
  {
    origin: fc.oneof(fc.constantFrom('http://localhost', 'https://evil.example', 'null'), fc.string({ maxLength: 20 })),
    'sec-fetch-site': fc.oneof(fc.constantFrom('same-origin', 'cross-site', 'none'), fc.string({ maxLength: 20 })),
    accept: fc.oneof(fc.constantFrom('text/html', 'application/json', '*/*'), fc.string({ maxLength: 20 })),
    authorization: fc.oneof(fc.constantFrom('Bearer token', 'Bearer wrong', 'Basic dTp0b2tlbg==', 'Basic !!!', 'Basic ', 'Bearer'), fc.string({ maxLength: 30 })),
  },
  { requiredKeys: [] },
)

/** A request the fetch API can build: malformed URLs or header values never reach a server. */
function buildRequest(method: string, path: string, type: string | null, body: string | Blob, headers: Record<string, string>): Request | undefined {
  try {
    const all = new Headers(headers)
    if (type !== null) all.set('content-type', type)
    const withBody = method !== 'GET' && method !== 'HEAD'
    return new Request(new URL(path, 'http://localhost'), { method, headers: all, body: withBody ? body : undefined })
  } catch {
    return undefined
  }
}

describe('random garbage never gets a 5xx', () => {
  for (const apiToken of [undefined, 'token']) {
    test(`${apiToken ? 'with' : 'without'} API_TOKEN (${GARBAGE_RUNS} runs)`, async () => {
      const f = appFixture(services.redis, localTierFor('memory'), { maxValueBytes: 1000, apiToken })
      const statuses = new Map<number, number>()
      try {
        await fc.assert(
          fc.asyncProperty(targetArb, contentTypeArb, bodyArb, headersArb, async ([method, path], type, body, headers) => {
            const request = buildRequest(method, path, type, body, headers)
            fc.pre(request !== undefined)
            const res = await f.app.request(request)
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            expect(res.status).toBeLessThan(500)
            // The Get form's "Key not found" result page is the one 4xx that is HTML, by design.
            const pageMiss = res.status === 404 && method === 'POST' && new URL(request.url).pathname === '/'
            // A browser's form post with a bad field gets the form back, the message next to the field.
            const formRefusal = res.headers.get('content-type')?.startsWith('text/html') === true && method === 'POST' && (request.headers.get('accept') ?? '').includes('text/html')
            if (formRefusal && res.status >= 400 && !pageMiss) {
              expect([400, 413]).toContain(res.status)
              expect(await res.text()).toContain('class="field-error"')
            } else if (res.status >= 400 && method !== 'HEAD' && !pageMiss) {
              expect(res.headers.get('content-type')).toContain('application/json')
              const answer = await res.json()
              if (answer.error) expect(answer.error.code).toMatch(/^[a-z]+(_[a-z]+)*$/)
            }
          }),
          { numRuns: GARBAGE_RUNS },
        )
        // The garbage must reach past the first checks: some requests succeed, several kinds of 4xx occur.
        expect([...statuses.keys()].filter((status) => status >= 400).length).toBeGreaterThanOrEqual(apiToken ? 1 : 5)
        if (!apiToken) expect(statuses.get(200) ?? 0).toBeGreaterThan(0)
      } finally {
        await f.close()
      }
    })
  }
})

/** Byte sequences that are not UTF-8: stray continuation bytes, truncated or overlong sequences, encoded surrogates. */
const invalidUtf8Arb = fc
  .tuple(
    fc.uint8Array({ maxLength: 8 }),
    fc.oneof(fc.constantFrom([0x80], [0xff], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]), fc.uint8Array({ minLength: 1, maxLength: 6 })),
    fc.uint8Array({ maxLength: 8 }),
  )
  .map(([before, bad, after]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]))
  .filter((bytes) => !isUtf8(bytes))
/** Safe inside a JSON string: no quote, backslash or control byte changes the JSON around it. */
const inJsonString = (bytes: Buffer) => Buffer.from(bytes.map((byte) => (byte < 0x20 || byte === 0x22 || byte === 0x5c ? 0x61 : byte)))
const percentEncoded = (bytes: Buffer) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
const errorCodeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

describe('invalid UTF-8 is refused, never stored as U+FFFD', () => {
  let f: AppFixture
  beforeAll(() => {
    f = appFixture(services.redis, localTierFor('memory'))
  })
  afterAll(async () => f.close())

  test(`in JSON bodies, form fields and ?key= (${ROUND_TRIP_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(invalidUtf8Arb.map(inJsonString).filter((bytes) => !isUtf8(bytes)), async (bad) => {
        const lossy = bad.toString('utf8')
        const json = (text: string) => Buffer.concat([Buffer.from(`{"${text}`), bad, Buffer.from('":"v"}')])
        let res = await f.app.request('/set', { method: 'POST', body: json('utf8-k'), headers: JSON_HEADERS })
        expect([res.status, await errorCodeOf(res)]).toEqual([400, 'invalid_json'])
        res = await f.app.request('/v1/keys/utf8-put', { method: 'PUT', body: Buffer.concat([Buffer.from('{"value":"'), bad, Buffer.from('"}')]), headers: JSON_HEADERS })
        expect([res.status, await errorCodeOf(res)]).toEqual([400, 'invalid_json'])
        const form = { 'Content-Type': 'application/x-www-form-urlencoded' }
        res = await f.app.request('/set', { method: 'POST', body: `key_to_save=utf8-f${percentEncoded(bad)}&retrieved_value=v`, headers: form })
        expect([res.status, await errorCodeOf(res)]).toEqual([400, 'invalid_key'])
        res = await f.app.request('/set', { method: 'POST', body: `key_to_save=utf8-fv&retrieved_value=${percentEncoded(bad)}`, headers: form })
        expect([res.status, await errorCodeOf(res)]).toEqual([400, 'invalid_value'])
        res = await f.app.request(`/?key=utf8-q${percentEncoded(bad)}`)
        expect([res.status, await errorCodeOf(res)]).toEqual([400, 'invalid_key'])
        expect(await f.redis.exists(`utf8-k${lossy}`, `utf8-f${lossy}`, 'utf8-fv', 'utf8-put')).toBe(0)
      }),
      { numRuns: ROUND_TRIP_RUNS },
    )
  })
})

describe('bodies of many pairs are refused past the limit, whatever their size', () => {
  let f: AppFixture
  beforeAll(() => {
    f = appFixture(services.redis, localTierFor('memory'))
  })
  afterAll(async () => f.close())

  // The time these refusals take is the e2e test's matter (test/e2e/parse-cost.test.ts), on the real servers.
  test('JSON /set bodies and form posts (30 runs)', async () => {
    const countArb = fc.oneof(fc.integer({ min: 995, max: 1005 }), fc.integer({ min: 4090, max: 4100 }), fc.integer({ min: 4101, max: 100_000 }))
    await fc.assert(
      fc.asyncProperty(countArb, fc.boolean(), async (count, asForm) => {
        const res = asForm
          ? await f.app.request('/set', { method: 'POST', body: `${'x=&'.repeat(count - 2)}key_to_save=many-form&retrieved_value=v`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
          : await f.app.request('/set', { method: 'POST', body: `{${Array.from({ length: count }, (_, i) => `"n${i.toString(36)}":"${i}"`).join(',')}}`, headers: JSON_HEADERS })
        if (count <= 1000) expect(res.status).toBe(200)
        else expect([res.status, await errorCodeOf(res)]).toEqual([413, 'too_many_pairs'])
      }),
      { numRuns: 30 },
    )
  }, 60_000)
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { maxBodyBytesFor } from '../../src/http/body-limit.ts'
import { MAX_PAIRS_PER_SET } from '../../src/routes/seed.tsx'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

/** Every bad input the contract names, with the status and code it must get, and nothing changed. */

const MAX_VALUE_BYTES = 1000
const EXISTING = 'existing'
const BEFORE = 'before'
const LONG_KEY = 'k'.repeat(1025)
// 342 three-byte characters: under 1024 UTF-16 units, over 1024 UTF-8 bytes.
const LONG_UTF8_KEY = '€'.repeat(342)

interface BadInput {
  name: string
  path: string
  method?: string
  body?: string | Uint8Array<ArrayBuffer>
  type?: string
  headers?: Record<string, string>
  status: number
  code: string
  /** Keys the request names besides EXISTING: each must stay absent from both tiers. */
  names?: string[]
}

const JSON_TYPE = 'application/json'
const FORM_TYPE = 'application/x-www-form-urlencoded'
const put = (body: string | Uint8Array<ArrayBuffer>, extra: Partial<BadInput> = {}) => ({ path: `/v1/keys/${EXISTING}`, method: 'PUT', body, type: JSON_TYPE, ...extra })
const setJson = (body: string | Uint8Array<ArrayBuffer>, extra: Partial<BadInput> = {}) => ({ path: '/set', method: 'POST', body, type: JSON_TYPE, ...extra })
const setForm = (fields: Record<string, string>, extra: Partial<BadInput> = {}) => ({
  path: '/set',
  method: 'POST',
  body: new URLSearchParams(fields).toString(),
  type: FORM_TYPE,
  ...extra,
})
/** Text with raw bytes spliced in where `\xNN` stands (bytes that are not UTF-8, for instance). */
const bytes = (text: string) => new Uint8Array(Buffer.from(text.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'))
const manyMembers = (count: number) => `{${Array.from({ length: count }, (_, i) => `"m${i}":""`).join(',')}}`
const multipart = (parts: [string, string][]) => `${parts.map(([name, value]) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')}--b--\r\n`

const CASES: BadInput[] = [
  // PUT /v1/keys/:key bodies
  { name: 'PUT broken JSON', ...put('{"value": "x"'), status: 400, code: 'invalid_json' },
  { name: 'PUT empty JSON body', ...put(''), status: 400, code: 'invalid_json' },
  { name: 'PUT text/plain', ...put('{"value":"x"}', { type: 'text/plain' }), status: 415, code: 'unsupported_media_type' },
  { name: 'PUT without Content-Type', ...put('{"value":"x"}', { type: '' }), status: 415, code: 'unsupported_media_type' },
  { name: 'PUT as a form', ...put('value=x', { type: FORM_TYPE }), status: 415, code: 'unsupported_media_type' },
  { name: 'PUT a number value', ...put('{"value":5}'), status: 400, code: 'invalid_value' },
  { name: 'PUT a null value', ...put('{"value":null}'), status: 400, code: 'invalid_value' },
  { name: 'PUT an object value', ...put('{"value":{"a":"b"}}'), status: 400, code: 'invalid_value' },
  { name: 'PUT an array value', ...put('{"value":["x"]}'), status: 400, code: 'invalid_value' },
  { name: 'PUT a boolean value', ...put('{"value":true}'), status: 400, code: 'invalid_value' },
  { name: 'PUT without value', ...put('{"ttl":5}'), status: 400, code: 'invalid_value' },
  { name: 'PUT a lone surrogate value', ...put('{"value":"a\\ud800b"}'), status: 400, code: 'invalid_value' },
  { name: 'PUT an array body', ...put('["x"]'), status: 400, code: 'invalid_body' },
  { name: 'PUT a string body', ...put('"x"'), status: 400, code: 'invalid_body' },
  { name: 'PUT a null body', ...put('null'), status: 400, code: 'invalid_body' },
  { name: 'PUT a negative ttl', ...put('{"value":"x","ttl":-1}'), status: 400, code: 'invalid_ttl' },
  { name: 'PUT a fractional ttl', ...put('{"value":"x","ttl":1.5}'), status: 400, code: 'invalid_ttl' },
  { name: 'PUT a string ttl', ...put('{"value":"x","ttl":"5"}'), status: 400, code: 'invalid_ttl' },
  { name: 'PUT a huge ttl', ...put('{"value":"x","ttl":2147483648}'), status: 400, code: 'invalid_ttl' },
  { name: 'PUT a value over MAX_VALUE_BYTES', ...put(JSON.stringify({ value: 'x'.repeat(MAX_VALUE_BYTES + 1) })), status: 413, code: 'value_too_large' },
  { name: 'PUT a multi-byte value over MAX_VALUE_BYTES', ...put(JSON.stringify({ value: 'é'.repeat(MAX_VALUE_BYTES / 2 + 1) })), status: 413, code: 'value_too_large' },
  { name: 'PUT a body over the limit', ...put(JSON.stringify({ value: 'x'.repeat(maxBodyBytesFor(MAX_VALUE_BYTES)) })), status: 413, code: 'body_too_large' },
  { name: 'PUT a value that is not UTF-8', ...put(bytes('{"value":"a\xffb"}')), status: 400, code: 'invalid_json' },
  { name: 'PUT a truncated UTF-8 sequence', ...put(bytes('{"value":"a\xc3"}')), status: 400, code: 'invalid_json' },
  { name: 'PUT an encoded surrogate (CESU)', ...put(bytes('{"value":"\xed\xa0\x80"}')), status: 400, code: 'invalid_json' },
  { name: 'PUT with 5000 other members', ...put(`{"value":"x",${manyMembers(5000).slice(1)}`), status: 413, code: 'too_many_pairs' },
  { name: 'PUT nested 100 levels deep', ...put(`{"value":"x","deep":${'['.repeat(100)}${']'.repeat(100)}}`), status: 400, code: 'invalid_json' },
  // keys in the path
  { name: 'PUT a 1025-byte key', ...put('{"value":"x"}', { path: `/v1/keys/${LONG_KEY}`, names: [LONG_KEY] }), status: 400, code: 'invalid_key' },
  {
    name: 'PUT a key of 1026 UTF-8 bytes',
    ...put('{"value":"x"}', { path: `/v1/keys/${encodeURIComponent(LONG_UTF8_KEY)}`, names: [LONG_UTF8_KEY] }),
    status: 400,
    code: 'invalid_key',
  },
  { name: 'PUT an empty key', ...put('{"value":"x"}', { path: '/v1/keys/' }), status: 400, code: 'invalid_key' },
  { name: 'GET an empty key', path: '/v1/keys/', status: 400, code: 'invalid_key' },
  { name: 'DELETE an empty key', path: '/v1/keys/', method: 'DELETE', status: 400, code: 'invalid_key' },
  { name: 'DELETE a 1025-byte key', path: `/v1/keys/${LONG_KEY}`, method: 'DELETE', status: 400, code: 'invalid_key' },
  { name: 'GET a malformed %-escape', path: '/v1/keys/%ZZ', status: 400, code: 'invalid_key' },
  { name: 'PUT a truncated UTF-8 %-escape', ...put('{"value":"x"}', { path: '/v1/keys/%E0%A4%A' }), status: 400, code: 'invalid_key' },
  { name: 'GET a %-encoded lone surrogate', path: '/v1/keys/%ED%A0%80', status: 400, code: 'invalid_key' },
  { name: 'GET a key with U+FFFD in the path', path: '/v1/keys/a%EF%BF%BDb', status: 400, code: 'invalid_key' },
  { name: 'PUT %-encoded bytes that are not UTF-8', ...put('{"value":"x"}', { path: '/v1/keys/a%FFb' }), status: 400, code: 'invalid_key' },
  // POST /set with JSON
  { name: '/set broken JSON', ...setJson('{"a": '), status: 400, code: 'invalid_json', names: ['a'] },
  { name: '/set empty body', ...setJson(''), status: 400, code: 'invalid_json' },
  { name: '/set no pairs', ...setJson('{}'), status: 400, code: 'no_pairs' },
  { name: '/set an array', ...setJson('[["a","b"]]'), status: 400, code: 'invalid_body' },
  { name: '/set a string', ...setJson('"a"'), status: 400, code: 'invalid_body' },
  { name: '/set null', ...setJson('null'), status: 400, code: 'invalid_body' },
  { name: '/set a number value', ...setJson(`{"${EXISTING}":5}`), status: 400, code: 'invalid_value' },
  { name: '/set a null value after a good pair', ...setJson(`{"fresh":"ok","${EXISTING}":null}`), status: 400, code: 'invalid_value', names: ['fresh'] },
  { name: '/set an object value', ...setJson(`{"${EXISTING}":{"v":"x"}}`), status: 400, code: 'invalid_value' },
  { name: '/set an empty key', ...setJson('{"":"v"}'), status: 400, code: 'invalid_key' },
  { name: '/set a 1025-byte key after a good pair', ...setJson(JSON.stringify({ fresh: 'ok', [LONG_KEY]: 'v' })), status: 400, code: 'invalid_key', names: ['fresh', LONG_KEY] },
  { name: '/set a value over MAX_VALUE_BYTES', ...setJson(JSON.stringify({ [EXISTING]: 'x'.repeat(MAX_VALUE_BYTES + 1) })), status: 413, code: 'value_too_large' },
  { name: '/set a body over the limit', ...setJson(JSON.stringify({ [EXISTING]: 'x'.repeat(maxBodyBytesFor(MAX_VALUE_BYTES)) })), status: 413, code: 'body_too_large' },
  {
    name: '/set too many pairs',
    ...setJson(JSON.stringify(Object.fromEntries(Array.from({ length: MAX_PAIRS_PER_SET + 1 }, (_, i) => [`pair${i}`, 'v'])))),
    status: 413,
    code: 'too_many_pairs',
    names: ['pair0', `pair${MAX_PAIRS_PER_SET}`],
  },
  { name: '/set a key that is not UTF-8', ...setJson(bytes('{"k\xfe":"v"}')), status: 400, code: 'invalid_json' },
  { name: '/set a value that is not UTF-8', ...setJson(bytes(`{"${EXISTING}":"\xc0\xaf"}`)), status: 400, code: 'invalid_json' },
  { name: '/set 5000 pairs, refused before parsing', ...setJson(manyMembers(5000)), status: 413, code: 'too_many_pairs', names: ['m0'] },
  { name: '/set a value nested 65 levels deep', ...setJson(`{"${EXISTING}":${'['.repeat(65)}${']'.repeat(65)}}`), status: 400, code: 'invalid_json' },
  { name: '/set text/plain', ...setJson(`{"${EXISTING}":"x"}`, { type: 'text/plain' }), status: 415, code: 'unsupported_media_type' },
  { name: '/set without Content-Type', ...setJson(`{"${EXISTING}":"x"}`, { type: '' }), status: 415, code: 'unsupported_media_type' },
  // form posts
  { name: '/set form without key_to_save', ...setForm({ retrieved_value: 'x' }), status: 400, code: 'invalid_key' },
  { name: '/set form with an empty key', ...setForm({ key_to_save: '', retrieved_value: 'x' }), status: 400, code: 'invalid_key' },
  { name: '/set form with a value over MAX_VALUE_BYTES', ...setForm({ key_to_save: EXISTING, retrieved_value: 'x'.repeat(MAX_VALUE_BYTES + 1) }), status: 413, code: 'value_too_large' },
  {
    name: '/set multipart with the value as a file',
    ...setForm({}, {
      body: `--b\r\nContent-Disposition: form-data; name="key_to_save"\r\n\r\n${EXISTING}\r\n--b\r\nContent-Disposition: form-data; name="retrieved_value"; filename="v.txt"\r\nContent-Type: text/plain\r\n\r\nfile\r\n--b--\r\n`,
      type: 'multipart/form-data; boundary=b',
    }),
    status: 400,
    code: 'invalid_form',
  },
  { name: '/set form with a key that is not UTF-8', ...setForm({}, { body: 'key_to_save=a%FFb&retrieved_value=x', names: ['a\ufffdb'] }), status: 400, code: 'invalid_key' },
  { name: '/set form with a value that is not UTF-8', ...setForm({}, { body: `key_to_save=${EXISTING}&retrieved_value=%C3%28` }), status: 400, code: 'invalid_value' },
  { name: '/set form of 1001 fields', ...setForm({}, { body: `${'x=&'.repeat(1000)}key_to_save=${EXISTING}&retrieved_value=v` }), status: 413, code: 'too_many_pairs' },
  {
    name: '/set multipart with a value that is not UTF-8',
    ...setForm({}, { body: bytes(multipart([['key_to_save', EXISTING], ['retrieved_value', 'a\xffb']])), type: 'multipart/form-data; boundary=b' }),
    status: 400,
    code: 'invalid_value',
  },
  {
    name: '/set multipart of 1002 parts',
    ...setForm({}, { body: multipart([...Array.from({ length: 1000 }, (): [string, string] => ['x', '']), ['key_to_save', EXISTING], ['retrieved_value', 'v']]), type: 'multipart/form-data; boundary=b' }),
    status: 413,
    code: 'too_many_pairs',
  },
  { name: 'POST / form with a key that is not UTF-8', path: '/', method: 'POST', body: 'get_key=%ED%A0%80', type: FORM_TYPE, status: 400, code: 'invalid_key' },
  { name: '/set broken multipart', ...setForm({}, { body: '--b\r\nnot a part', type: 'multipart/form-data; boundary=b' }), status: 400, code: 'invalid_form' },
  { name: '/set form from another origin', ...setForm({ key_to_save: EXISTING, retrieved_value: 'x' }, { headers: { Origin: 'https://evil.example' } }), status: 403, code: 'forbidden_origin' },
  {
    name: '/set form that a browser marks cross-site',
    ...setForm({ key_to_save: EXISTING, retrieved_value: 'x' }, { headers: { 'Sec-Fetch-Site': 'cross-site' } }),
    status: 403,
    code: 'forbidden_origin',
  },
  { name: 'POST / as JSON', path: '/', method: 'POST', body: `{"get_key":"${EXISTING}"}`, type: JSON_TYPE, status: 415, code: 'unsupported_media_type' },
  { name: 'POST / form without get_key', path: '/', method: 'POST', body: 'x=1', type: FORM_TYPE, status: 400, code: 'invalid_key' },
  // GET /?key=
  { name: '?key= empty', path: '/?key=', status: 400, code: 'invalid_key' },
  { name: '?key without =', path: '/?key', status: 400, code: 'invalid_key' },
  { name: '?key= twice', path: `/?key=${EXISTING}&key=other`, status: 400, code: 'ambiguous_key' },
  { name: '?key= 1025 bytes', path: `/?key=${LONG_KEY}`, status: 400, code: 'invalid_key' },
  { name: '?key= malformed %-escape', path: '/?key=%E0%A4%A', status: 400, code: 'invalid_key' },
  { name: '?key= of bytes that are not UTF-8', path: '/?key=%FF', status: 400, code: 'invalid_key' },
  { name: '?key= holding U+FFFD', path: '/?key=a%EF%BF%BD', status: 400, code: 'invalid_key' },
  { name: '?key= and a %-encoded key= name', path: `/?key=${EXISTING}&%6bey=other`, status: 400, code: 'ambiguous_key' },
  { name: '?key= and a name that decodes to key', path: `/?ke%79=${EXISTING}&key=other`, status: 400, code: 'ambiguous_key' },
  // routes and methods
  { name: 'an unknown route', path: '/nope', status: 404, code: 'route_not_found' },
  { name: 'a path under /v1/keys/ with a slash', path: '/v1/keys/a/b', status: 404, code: 'route_not_found' },
  { name: 'POST to a key', path: `/v1/keys/${EXISTING}`, method: 'POST', body: '{"value":"x"}', type: JSON_TYPE, status: 405, code: 'method_not_allowed' },
  { name: 'PATCH to a key', path: `/v1/keys/${EXISTING}`, method: 'PATCH', body: '{"value":"x"}', type: JSON_TYPE, status: 405, code: 'method_not_allowed' },
  { name: 'GET /set', path: '/set', status: 405, code: 'method_not_allowed' },
]

function requestFor({ path, method = 'GET', body, type, headers = {} }: BadInput): [string, RequestInit] {
  const allHeaders: Record<string, string> = { ...headers }
  if (type) allHeaders['Content-Type'] = type
  return [path, { method, body, headers: allHeaders }]
}

const services = servicesForFile()

for (const kind of ['memory', 'memcached'] as LocalKind[]) {
  describe(`bad input with a ${kind} local tier`, () => {
    let f: AppFixture
    beforeAll(async () => {
      f = appFixture(services.redis, localTierFor(kind, services.memcached), { maxValueBytes: MAX_VALUE_BYTES })
      await f.redis.flushall()
      await f.cache.write(EXISTING, BEFORE)
    })
    afterAll(async () => f.close())

    /** Every Redis key with its value and whether it expires. */
    async function redisSnapshot(): Promise<string[]> {
      const keys = (await f.redis.keys('*')).sort()
      return Promise.all(keys.map(async (key) => `${key}=${await f.redis.get(key)} ttl>0:${(await f.redis.ttl(key)) > 0}`))
    }

    test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, input) => {
      const before = await redisSnapshot()
      const res = await f.app.request(...requestFor(input))
      expect(res.status).toBe(input.status)
      expect(res.headers.get('content-type')).toContain('application/json')
      const body = await res.json()
      expect(body.error.code).toBe(input.code)
      expect(body.error.message.length).toBeGreaterThan(10)
      expect(await redisSnapshot()).toEqual(before)
      expect(before).toContain(`${EXISTING}=${BEFORE} ttl>0:true`)
      expect(await f.local.get(EXISTING)).toBe(BEFORE)
      for (const key of input.names ?? []) expect(await f.local.get(key)).toBeUndefined()
    })
  })
}

describe('the body limit', () => {
  let f: AppFixture
  beforeAll(async () => {
    f = appFixture(services.redis, localTierFor('memory'), { maxValueBytes: MAX_VALUE_BYTES })
  })
  afterAll(async () => f.close())

  test('stops reading a chunked body soon after the limit, without reading it whole', async () => {
    const limit = maxBodyBytesFor(MAX_VALUE_BYTES)
    const chunk = new TextEncoder().encode('{"value":"' + 'x'.repeat(16 * 1024 - 10))
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.length
        if (pulled > 50 * limit) controller.close()
        else controller.enqueue(chunk)
      },
    })
    const res = await f.app.request('/v1/keys/streamed', { method: 'PUT', body: endless, headers: { 'Content-Type': JSON_TYPE }, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('body_too_large')
    expect(pulled).toBeLessThan(limit + 4 * chunk.length)
    expect(await f.redis.exists('streamed')).toBe(0)
  })

  test('refuses a declared Content-Length over the limit before reading the body', async () => {
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1
        controller.enqueue(new Uint8Array(1024))
      },
    })
    const length = String(maxBodyBytesFor(MAX_VALUE_BYTES) + 1)
    const res = await f.app.request('/set', { method: 'POST', body, headers: { 'Content-Type': JSON_TYPE, 'Content-Length': length }, duplex: 'half' } as RequestInit)
    expect(res.status).toBe(413)
    expect((await res.json()).error.code).toBe('body_too_large')
    expect(pulled).toBeLessThanOrEqual(1)
  })

  test(`${MAX_PAIRS_PER_SET} pairs in one /set are all written`, async () => {
    const pairs = Object.fromEntries(Array.from({ length: MAX_PAIRS_PER_SET }, (_, i) => [`many${i}`, `v${i}`]))
    const res = await f.app.request('/set', { method: 'POST', body: JSON.stringify(pairs), headers: { 'Content-Type': JSON_TYPE } })
    expect(res.status).toBe(200)
    expect((await res.json()).results).toHaveLength(MAX_PAIRS_PER_SET)
    expect(await f.redis.get(`many${MAX_PAIRS_PER_SET - 1}`)).toBe(`v${MAX_PAIRS_PER_SET - 1}`)
  })

  test('a value of exactly MAX_VALUE_BYTES is stored, escaped or not', async () => {
    for (const value of ['x'.repeat(MAX_VALUE_BYTES), '"'.repeat(MAX_VALUE_BYTES), 'é'.repeat(MAX_VALUE_BYTES / 2)]) {
      const res = await f.app.request('/v1/keys/full', { method: 'PUT', body: JSON.stringify({ value }), headers: { 'Content-Type': JSON_TYPE } })
      expect(res.status).toBe(200)
      expect(await f.redis.get('full')).toBe(value)
    }
    const form = new URLSearchParams({ key_to_save: 'full-form', retrieved_value: 'é'.repeat(MAX_VALUE_BYTES / 2) }).toString()
    const res = await f.app.request('/set', { method: 'POST', body: form, headers: { 'Content-Type': FORM_TYPE } })
    expect(res.status).toBe(200)
    expect(await f.redis.get('full-form')).toBe('é'.repeat(MAX_VALUE_BYTES / 2))
  })
})

describe('bounding the parse refuses nothing that is valid', () => {
  let f: AppFixture
  beforeAll(async () => {
    f = appFixture(services.redis, localTierFor('memory'))
  })
  afterAll(async () => f.close())

  test('a 1 MiB value full of commas, quotes, backslashes and brackets is stored, by PUT and by /set', async () => {
    const value = ',"\\[{]}'.repeat(1024 * 1024 / 8)
    let res = await f.app.request('/v1/keys/punctuated', { method: 'PUT', body: JSON.stringify({ value }), headers: { 'Content-Type': JSON_TYPE } })
    expect(res.status).toBe(200)
    expect(await f.redis.get('punctuated')).toBe(value)
    res = await f.app.request('/set', { method: 'POST', body: JSON.stringify({ 'set,"\\': value, other: 'x' }), headers: { 'Content-Type': JSON_TYPE } })
    expect(res.status).toBe(200)
    expect(await f.redis.get('set,"\\')).toBe(value)
  })

  test('form posts: %-encoded separators and multi-byte text, urlencoded and multipart', async () => {
    let res = await f.app.request('/set', { method: 'POST', body: 'key_to_save=form%26key&retrieved_value=a%26b+c%2B%C3%A9%F0%9F%98%80&retrieved_value=last', headers: { 'Content-Type': FORM_TYPE } })
    expect(res.status).toBe(200)
    expect(await f.redis.get('form&key')).toBe('last')
    res = await f.app.request('/set', { method: 'POST', body: 'key_to_save=form%26key&retrieved_value=a%26b+c%2B%C3%A9%F0%9F%98%80%', headers: { 'Content-Type': FORM_TYPE } })
    expect(await f.redis.get('form&key')).toBe('a&b c+é😀%')
    const body = '--xyz\r\nContent-Disposition: form-data; name="key_to_save"\r\n\r\nmulti é\r\n--xyz\r\nContent-Disposition: form-data; name="retrieved_value"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline 1\r\nline 2 --xy\r\n--xyz--\r\n'
    res = await f.app.request('/set', { method: 'POST', body, headers: { 'Content-Type': 'multipart/form-data; boundary="xyz"' } })
    expect(res.status).toBe(200)
    expect(await f.redis.get('multi é')).toBe('line 1\r\nline 2 --xy')
  })
})

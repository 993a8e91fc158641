import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

const MAX_VALUE_BYTES = 1000

const services = servicesForFile()

interface Result {
  key: string
  value: string | null
  source: string
  encoding?: string
}

for (const kind of ['memory', 'memcached', 'none'] as LocalKind[]) {
  describe(`POST /v1/mget and /v1/mset, local tier ${kind}`, () => {
    let f: AppFixture
    beforeAll(() => {
      f = appFixture(services.redis, localTierFor(kind, services.memcached), { maxValueBytes: MAX_VALUE_BYTES })
    })
    afterAll(() => f.close())
    beforeEach(async () => {
      await services.inspector.flushall()
      await f.local.clear()
    })

    const post = (path: string, body: unknown) =>
      f.app.request(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })
    const mget = async (keys: unknown[]) => {
      const res = await post('/v1/mget', { keys })
      expect(res.status).toBe(200)
      return ((await res.json()) as { results: Result[] }).results
    }
    const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error

    test('mget answers every key in request order, repeats and misses included; later reads come from the local tier', async () => {
      await services.inspector.set('a', '1')
      await services.inspector.set('b', '')
      const first = await mget(['a', 'missing', 'b', 'a'])
      expect(first).toEqual([
        { key: 'a', value: '1', source: 'redis' },
        { key: 'missing', value: null, source: 'redis' },
        { key: 'b', value: '', source: 'redis' },
        { key: 'a', value: '1', source: 'redis' },
      ])
      const local = kind === 'none' ? 'redis' : 'local'
      expect(await mget(['b', 'a', 'missing'])).toEqual([
        { key: 'b', value: '', source: local },
        { key: 'a', value: '1', source: local },
        { key: 'missing', value: null, source: 'redis' },
      ])
      // The copies the batch filled are the ones single GETs serve.
      expect(await (await f.app.request('/v1/keys/a')).json()).toEqual({ key: 'a', value: '1', source: local })
    })

    test('mget with Cache-Control: no-cache reads every key from Redis, past a stale local copy', async () => {
      await services.inspector.set('c', 'old')
      await mget(['c'])
      await services.inspector.set('c', 'new')
      const res = await f.app.request('/v1/mget', { method: 'POST', body: JSON.stringify({ keys: ['c'] }), headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' } })
      expect(((await res.json()) as { results: Result[] }).results).toEqual([{ key: 'c', value: 'new', source: 'redis' }])
      if (kind === 'memory') expect(await mget(['c'])).toEqual([{ key: 'c', value: 'new', source: 'local' }])
    })

    test('mget gives bytes that are not UTF-8 as base64, as a single GET does', async () => {
      const bytes = Buffer.from([0xff, 0x00, 0xc3])
      await services.inspector.set('bin', bytes)
      for (const _ of [0, 1]) expect(await mget(['bin'])).toEqual([{ key: 'bin', value: bytes.toString('base64'), encoding: 'base64', source: expect.any(String) }])
    })

    test('mget bounds local copies by the key\'s Redis expiry', async () => {
      if (kind !== 'memory') return
      await services.inspector.set('short', 'v', 'PX', 300)
      await mget(['short'])
      expect(await f.local.get('short')).toBe('v')
      await Bun.sleep(400)
      expect(await f.local.get('short')).toBeUndefined()
    })

    test('mset writes every pair and tells which were created; the local copies follow', async () => {
      await services.inspector.set('old', 'before')
      if (kind !== 'none') await mget(['old'])
      const res = await post('/v1/mset', '{"pairs":{"old":"after","fresh":"new","__proto__":"p"}}')
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        results: [
          { key: 'old', created: false },
          { key: 'fresh', created: true },
          { key: '__proto__', created: true },
        ],
      })
      expect(await services.inspector.mget('old', 'fresh', '__proto__')).toEqual(['after', 'new', 'p'])
      expect(await services.inspector.ttl('fresh')).toBeGreaterThan(2990)
      expect(await mget(['old', 'fresh', '__proto__'])).toEqual([
        { key: 'old', value: 'after', source: kind === 'none' ? 'redis' : 'local' },
        { key: 'fresh', value: 'new', source: kind === 'none' ? 'redis' : 'local' },
        { key: '__proto__', value: 'p', source: kind === 'none' ? 'redis' : 'local' },
      ])
    })

    test('mset honours ttl (0: no expiry) and "encoding":"base64" for every value', async () => {
      expect((await post('/v1/mset', { pairs: { t: 'v' }, ttl: 60 })).status).toBe(200)
      expect(await services.inspector.ttl('t')).toBeWithin(55, 61)
      expect((await post('/v1/mset', { pairs: { n: 'v' }, ttl: 0 })).status).toBe(200)
      expect(await services.inspector.ttl('n')).toBe(-1)
      const bytes = Buffer.from([0xfe, 0xff, 0x00])
      const res = await post('/v1/mset', { pairs: { b1: bytes.toString('base64'), b2: Buffer.from('text').toString('base64') }, encoding: 'base64' })
      expect(res.status).toBe(200)
      expect(Buffer.from((await services.inspector.getBuffer('b1'))!).equals(bytes)).toBe(true)
      expect(await services.inspector.get('b2')).toBe('text')
    })

    test('mset with one key of another type answers 409 naming it and writes nothing', async () => {
      await services.inspector.set('kept', 'old')
      await services.inspector.rpush('L', 'x')
      const res = await post('/v1/mset', { pairs: { a: '1', kept: 'new', L: 'x', b: '2' } })
      expect(res.status).toBe(409)
      const error = await errorOf(res)
      expect(error.code).toBe('wrong_type')
      expect(error.message).toContain('"L"')
      expect(await services.inspector.exists('a', 'b')).toBe(0)
      expect(await services.inspector.get('kept')).toBe('old')
      expect(await services.inspector.lrange('L', 0, -1)).toEqual(['x'])
    })

    test('mget of a key of another type answers 409 naming it', async () => {
      await services.inspector.hset('H', 'f', 'v')
      const res = await post('/v1/mget', { keys: ['a', 'H'] })
      expect(res.status).toBe(409)
      const error = await errorOf(res)
      expect(error.code).toBe('wrong_type')
      expect(error.message).toContain('"H"')
    })

    test('limits and bad input: the contract codes, and nothing written', async () => {
      const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`)
      const pairs = (n: number) => Object.fromEntries(keys(n).map((key) => [key, 'v']))
      const cases: [string, unknown, number, string][] = [
        ['/v1/mget', { keys: keys(1001) }, 413, 'too_many_keys'],
        ['/v1/mget', { keys: [] }, 400, 'no_keys'],
        ['/v1/mget', { keys: 'a' }, 400, 'invalid_body'],
        ['/v1/mget', ['a'], 400, 'invalid_body'],
        ['/v1/mget', { keys: ['a', ''] }, 400, 'invalid_key'],
        ['/v1/mget', { keys: ['a', 5] }, 400, 'invalid_key'],
        ['/v1/mget', { keys: ['k'.repeat(1025)] }, 400, 'invalid_key'],
        ['/v1/mget', '{"keys":', 400, 'invalid_json'],
        ['/v1/mset', { pairs: pairs(1001) }, 413, 'too_many_pairs'],
        ['/v1/mset', { pairs: {} }, 400, 'no_pairs'],
        ['/v1/mset', { pairs: [] }, 400, 'invalid_body'],
        ['/v1/mset', { a: '1' }, 400, 'invalid_body'],
        ['/v1/mset', { pairs: { a: '1', b: 2 } }, 400, 'invalid_value'],
        ['/v1/mset', { pairs: { a: '1', '': '2' } }, 400, 'invalid_key'],
        ['/v1/mset', { pairs: { a: '1', b: 'x'.repeat(MAX_VALUE_BYTES + 1) } }, 413, 'value_too_large'],
        ['/v1/mset', { pairs: { a: 'QQ==', b: Buffer.alloc(MAX_VALUE_BYTES + 1).toString('base64') }, encoding: 'base64' }, 413, 'value_too_large'],
        ['/v1/mset', { pairs: { a: 'QQ==', b: 'not base64!' }, encoding: 'base64' }, 400, 'invalid_value'],
        ['/v1/mset', { pairs: { a: '1' }, encoding: 'hex' }, 400, 'invalid_encoding'],
        ['/v1/mset', { pairs: { a: '1' }, ttl: -1 }, 400, 'invalid_ttl'],
        ['/v1/mset', { pairs: { a: '1' }, ttl: 1.5 }, 400, 'invalid_ttl'],
        ['/v1/mset', 'x'.repeat(3 * MAX_VALUE_BYTES + 64 * 1024 + 1), 413, 'body_too_large'],
      ]
      for (const [path, body, status, code] of cases) {
        const res = await post(path, body)
        expect({ path, body: JSON.stringify(body).slice(0, 60), status: res.status }).toEqual({ path, body: JSON.stringify(body).slice(0, 60), status })
        expect((await errorOf(res)).code).toBe(code)
      }
      const plain = await f.app.request('/v1/mget', { method: 'POST', body: '{"keys":["a"]}', headers: { 'Content-Type': 'text/plain' } })
      expect(plain.status).toBe(415)
      expect(await services.inspector.dbsize()).toBe(0)
    })

    test('exactly 1000 keys and 1000 pairs are accepted', async () => {
      const keys = Array.from({ length: 1000 }, (_, i) => `many:${i}`)
      const res = await post('/v1/mset', { pairs: Object.fromEntries(keys.map((key) => [key, key])) })
      expect(res.status).toBe(200)
      expect(await services.inspector.dbsize()).toBe(1000)
      const results = await mget(keys)
      expect(results.map((r) => r.value)).toEqual(keys)
    })
  })
}

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { isUtf8 } from 'node:buffer'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

const MAX_VALUE_BYTES = 2000

const services = servicesForFile()

const path = (key: string) => `/v1/keys/${encodeURIComponent(key)}`

for (const kind of ['memory', 'memcached', 'none'] as LocalKind[]) {
  describe(`byte-exact values, local tier ${kind}`, () => {
    let f: AppFixture
    beforeAll(() => {
      f = appFixture(services.redis, localTierFor(kind, services.memcached), { maxValueBytes: MAX_VALUE_BYTES })
    })
    afterAll(() => f.close())

    const putBytes = (key: string, bytes: Uint8Array<ArrayBuffer>, query = '') =>
      f.app.request(`${path(key)}${query}`, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } })
    const putJson = (key: string, body: unknown) =>
      f.app.request(path(key), { method: 'PUT', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })
    const getBytes = async (key: string) => {
      const res = await f.app.request(path(key), { headers: { Accept: 'application/octet-stream' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      return { bytes: Buffer.from(await res.arrayBuffer()), cache: res.headers.get('x-cache'), etag: res.headers.get('etag') }
    }
    const getJson = async (key: string) => {
      const res = await f.app.request(path(key))
      expect(res.status).toBe(200)
      return (await res.json()) as { key: string; value: string; encoding?: string; source: string }
    }

    test('any bytes: octet-stream in and out, JSON base64 exactly when not UTF-8, from Redis and from the local copy', async () => {
      let run = 0
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (array) => {
          const bytes = Buffer.from(array)
          const key = `bytes:${kind}:${run++}`
          expect((await putBytes(key, bytes)).status).toBe(200)
          await f.cache.local.clear()
          // First read from Redis (fills the local tier), second from the local tier where there is one.
          for (const _ of [0, 1]) expect((await getBytes(key)).bytes.equals(bytes)).toBe(true)
          const body = await getJson(key)
          if (isUtf8(bytes)) expect(body).toEqual({ key, value: bytes.toString('utf8'), source: body.source })
          else expect(body).toEqual({ key, value: bytes.toString('base64'), encoding: 'base64', source: body.source })
          expect(Buffer.from((await services.inspector.getBuffer(key))!).equals(bytes)).toBe(true)
        }),
        { numRuns: 40 },
      )
    })

    test('a JSON PUT with "encoding":"base64" stores the bytes; a JSON string its UTF-8', async () => {
      let run = 0
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 50 }), async (array, text) => {
          const bytes = Buffer.from(array)
          const key = `json:${kind}:${run++}`
          const res = await putJson(key, { value: bytes.toString('base64'), encoding: 'base64' })
          expect(res.status).toBe(200)
          expect((await getBytes(key)).bytes.equals(bytes)).toBe(true)
          expect((await putJson(key, { value: text })).status).toBe(200)
          expect((await getBytes(key)).bytes.equals(Buffer.from(text, 'utf8'))).toBe(true)
          expect((await getJson(key)).value).toBe(text)
        }),
        { numRuns: 30 },
      )
    })

    test('the empty value is a value in every form', async () => {
      expect((await putBytes('empty', new Uint8Array())).status).toBe(200)
      expect((await getBytes('empty')).bytes.length).toBe(0)
      expect(await getJson('empty')).toMatchObject({ key: 'empty', value: '' })
      expect(await services.inspector.exists('empty')).toBe(1)
    })

    test('bytes written straight to Redis by another client come back exact', async () => {
      const bytes = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff])
      await services.inspector.set('foreign', bytes)
      await f.cache.local.clear()
      expect((await getBytes('foreign')).bytes.equals(bytes)).toBe(true)
      expect(await getJson('foreign')).toMatchObject({ value: bytes.toString('base64'), encoding: 'base64' })
      // The seed's GET cannot hold the bytes in a JSON string either.
      const seed = (await (await f.app.request('/?key=foreign')).json()) as Record<string, unknown>
      expect(seed).toMatchObject({ Key: 'foreign', Value: bytes.toString('base64'), encoding: 'base64', status: 'successful' })
    })

    test('MAX_VALUE_BYTES counts bytes, whatever the encoding; a refused value writes nothing', async () => {
      expect((await putBytes('limit', new Uint8Array(MAX_VALUE_BYTES).fill(0xff))).status).toBe(200)
      const over = await putBytes('limit:over', new Uint8Array(MAX_VALUE_BYTES + 1))
      expect(over.status).toBe(413)
      expect(((await over.json()) as { error: { code: string } }).error.code).toBe('value_too_large')
      const base64Over = await putJson('limit:over', { value: Buffer.alloc(MAX_VALUE_BYTES + 1, 0xfe).toString('base64'), encoding: 'base64' })
      expect(base64Over.status).toBe(413)
      expect(await services.inspector.exists('limit:over')).toBe(0)
    })

    test('bad base64, an unknown encoding and a bad ?ttl= are 400s that write nothing', async () => {
      for (const [body, code] of [
        [{ value: 'not base64!', encoding: 'base64' }, 'invalid_value'],
        [{ value: 'QQ', encoding: 'base64' }, 'invalid_value'],
        [{ value: 'x', encoding: 'hex' }, 'invalid_encoding'],
      ] as const) {
        const res = await putJson('bad', body)
        expect(res.status).toBe(400)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
      }
      for (const query of ['?ttl=-1', '?ttl=1.5', '?ttl=x']) {
        const res = await putBytes('bad', new Uint8Array([1]), query)
        expect(res.status).toBe(400)
      }
      expect(await services.inspector.exists('bad')).toBe(0)
    })

    test('an octet-stream PUT honours ?ttl=', async () => {
      expect((await putBytes('ttl', new Uint8Array([0xff]), '?ttl=100')).status).toBe(200)
      const ttl = await services.inspector.ttl('ttl')
      expect(ttl).toBeGreaterThan(90)
      expect(ttl).toBeLessThanOrEqual(100)
    })
  })
}

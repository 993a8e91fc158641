import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { maxValueBytes: 64 })
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const post = (path: string, body: Record<string, string>, accept?: string) =>
  f.app.request(path, {
    method: 'POST',
    body: new URLSearchParams(body).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(accept && { Accept: accept }) },
  })

describe('the form for people', () => {
  test('is a full HTML document with labels tied to their inputs', async () => {
    const page = await (await f.app.request('/')).text()
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true)
    for (const field of ['key_to_save', 'retrieved_value', 'get_key']) {
      expect(page).toContain(`<label for="${field}">`)
      expect(page).toContain(`id="${field}" name="${field}"`)
    }
  })

  test('an empty key comes back as the form, the error next to the field, status 400', async () => {
    const res = await post('/set', { key_to_save: '', retrieved_value: 'kept <b>as typed</b>' }, BROWSER)
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toMatch(/id="key_to_save"[^>]*aria-invalid="true" aria-describedby="key_to_save-error"/)
    expect(page).toMatch(/<p id="key_to_save-error" class="field-error">Please enter a key; it cannot be empty.<\/p>/)
    expect(page).toContain('>kept &lt;b&gt;as typed&lt;/b&gt;</textarea>')
    expect(await f.redis.exists('')).toBe(0)

    const get = await post('/', { get_key: '' }, BROWSER)
    expect(get.status).toBe(400)
    expect(await get.text()).toContain('<p id="get_key-error" class="field-error">Please enter a key')
  })

  test('too long a key and too large a value are named in words, on their fields', async () => {
    const res = await post('/set', { key_to_save: 'k'.repeat(1025), retrieved_value: 'v'.repeat(65) }, BROWSER)
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toContain('This key is too long: a key can be at most 1024 bytes')
    expect(page).toContain('<p id="retrieved_value-error" class="field-error">This value is too large to store.')
  })

  test('clients that do not read HTML keep the JSON error', async () => {
    const res = await post('/set', { key_to_save: '', retrieved_value: 'v' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { code: 'invalid_key', message: 'The key must not be empty.' } })
  })

  test('the result says whether the key was new or overwritten, and draws the path', async () => {
    await f.redis.del('page-key')
    let page = await (await post('/set', { key_to_save: 'page-key', retrieved_value: 'one' }, BROWSER)).text()
    expect(page).toContain('<h1>Key saved</h1>')
    page = await (await post('/set', { key_to_save: 'page-key', retrieved_value: 'two' }, BROWSER)).text()
    expect(page).toContain('<h1>Key overwritten</h1>')
    expect(page).toContain('it has been replaced by the new one')
    await f.cache.local.delete('page-key')
    page = await (await post('/', { get_key: 'page-key' }, BROWSER)).text()
    expect(page).toMatch(/<li class="miss"><span class="tier">Local cache<\/span><span class="outcome">miss: key not found<\/span><span class="took">[^<]+ ms<\/span><\/li>/)
    expect(page).toMatch(/<li class="arrow" aria-hidden="true">→<\/li><li class="hit"><span class="tier">Redis<\/span><span class="outcome">hit: key found/)
    expect(page).not.toContain('<br>')
  })
})

describe('failures on Redis at the form', () => {
  test('a key of another type: the form with the message next to the key (409); JSON for other clients', async () => {
    await f.redis.del('a-list')
    await f.redis.rpush('a-list', 'x')
    for (const [path, fields, keyField] of [
      ['/set', { key_to_save: 'a-list', retrieved_value: 'typed <i>value</i>' }, 'key_to_save'],
      ['/', { get_key: 'a-list' }, 'get_key'],
    ] as const) {
      const res = await post(path, fields, BROWSER)
      expect(res.status).toBe(409)
      expect(res.headers.get('content-type')).toStartWith('text/html')
      const page = await res.text()
      expect(page).toContain(`<p id="${keyField}-error" class="field-error">This key holds another kind of Redis value`)
      expect(page).toMatch(new RegExp(`id="${keyField}"[^>]*value="a-list"`))
      const json = await post(path, fields)
      expect(json.status).toBe(409)
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('wrong_type')
    }
    expect(await f.redis.lrange('a-list', 0, -1)).toEqual(['x'])
    expect(await (await post('/set', { key_to_save: 'a-list', retrieved_value: 'typed <i>value</i>' }, BROWSER)).text()).toContain('>typed &lt;i&gt;value&lt;/i&gt;</textarea>')
  })

  test('Redis not answering: the form with a notice (503, Retry-After); JSON for other clients', async () => {
    redis.freeze()
    try {
      const res = await post('/set', { key_to_save: 'frozen-key', retrieved_value: 'kept' }, BROWSER)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      const page = await res.text()
      expect(page).toContain('<p class="notice field-error" role="alert">Redis is not answering right now')
      expect(page).toContain('>kept</textarea>')
      const get = await post('/', { get_key: 'frozen-key' }, BROWSER)
      expect(get.status).toBe(503)
      expect(await get.text()).toContain('role="alert"')
      const json = await post('/set', { key_to_save: 'frozen-key', retrieved_value: 'kept' })
      expect(json.status).toBe(503)
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('redis_unavailable')
    } finally {
      redis.resume()
    }
  }, 20_000)
})

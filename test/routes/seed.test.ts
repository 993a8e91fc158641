import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { appFixture, localTierFor, type AppFixture, type LocalKind } from '../harness/cache-fixtures.ts'
import { servicesForFile } from '../harness/file-services.ts'

const services = servicesForFile()

const NEW_KEY = '<br>Key not found in local cache<br>Setting key in local cache<br>Key not found in redis cache<br>Setting key in redis cache'

for (const kind of ['memory', 'memcached'] as LocalKind[]) {
  describe(`seed routes with a ${kind} local tier`, () => {
    let f: AppFixture
    beforeEach(async () => {
      f = appFixture(services.redis, localTierFor(kind, services.memcached))
      await f.redis.flushall()
    })
    afterAll(async () => f.close())

    const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } })

    test('the seed curl session, word for word', async () => {
      let res = await f.app.request('/?key=doom')
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ message: '<br>Key not found in local cache<br>Key not found in redis cache' })

      res = await f.app.request('/set', json({ doom: 'Dr Vaughn' }))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ Key: 'doom', Value: 'Dr Vaughn', message: NEW_KEY, status: 'successful' })

      res = await f.app.request('/?key=doom')
      expect(await res.json()).toEqual({ Key: 'doom', Value: 'Dr Vaughn', message: '<br><b>Key found in local cache</b>', status: 'successful' })

      await f.redis.set('shazia', 'sana')
      res = await f.app.request('/?key=shazia')
      expect(await res.json()).toEqual({ Key: 'shazia', Value: 'sana', message: '<br>Key not found in local cache<br><b>Key found in redis cache</b>', status: 'successful' })
      res = await f.app.request('/?key=shazia')
      expect(await res.json()).toEqual({ Key: 'shazia', Value: 'sana', message: '<br><b>Key found in local cache</b>', status: 'successful' })

      res = await f.app.request('/set', json({ doom: 'Dr Doom' }))
      expect(await res.json()).toEqual({
        Key: 'doom',
        Value: 'Dr Doom',
        message: '<br><b>Key found in local cache</b> Overriding!<br><b>Key found in redis cache</b> Overriding!',
        status: 'successful',
      })
      expect(await f.redis.get('doom')).toBe('Dr Doom')
      expect(await f.redis.ttl('doom')).toBeGreaterThan(2990)
    })

    test('several pairs answer one result per pair', async () => {
      const res = await f.app.request('/set', json({ a: '1', b: '2' }))
      expect(await res.json()).toEqual({
        status: 'successful',
        results: [
          { Key: 'a', Value: '1', message: NEW_KEY, status: 'successful' },
          { Key: 'b', Value: '2', message: NEW_KEY, status: 'successful' },
        ],
      })
      expect(await f.redis.mget('a', 'b')).toEqual(['1', '2'])
    })

    test('several pairs are all or none: a key of another type answers 409 and no pair is written', async () => {
      await f.redis.rpush('L', 'x')
      await f.redis.set('b', 'old')
      const res = await f.app.request('/set', json({ a: '1', L: 'x', b: '2' }))
      expect(res.status).toBe(409)
      expect((await res.json()).error).toMatchObject({ code: 'wrong_type', message: expect.stringContaining('"L"') })
      expect(await f.redis.exists('a')).toBe(0)
      expect(await f.redis.get('b')).toBe('old')
      expect(await f.redis.lrange('L', 0, -1)).toEqual(['x'])
      // The form's post of one pair to such a key is refused the same way.
      expect((await f.app.request('/set', json({ L: 'y' }))).status).toBe(409)
    })

    test('several pairs keep the seed messages, "found" in each tier per key', async () => {
      await f.app.request('/set', json({ seen: 'old' }))
      await f.redis.set('redisOnly', 'old')
      const res = await f.app.request('/set', json({ seen: 'new', redisOnly: 'new', brandNew: 'new' }))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        status: 'successful',
        results: [
          { Key: 'seen', Value: 'new', message: '<br><b>Key found in local cache</b> Overriding!<br><b>Key found in redis cache</b> Overriding!', status: 'successful' },
          { Key: 'redisOnly', Value: 'new', message: '<br>Key not found in local cache<br>Setting key in local cache<br><b>Key found in redis cache</b> Overriding!', status: 'successful' },
          { Key: 'brandNew', Value: 'new', message: NEW_KEY, status: 'successful' },
        ],
      })
      expect(await f.redis.mget('seen', 'redisOnly', 'brandNew')).toEqual(['new', 'new', 'new'])
      expect(await f.redis.ttl('brandNew')).toBeGreaterThan(2990)
      expect(await (await f.app.request('/?key=redisOnly')).json()).toMatchObject({ Value: 'new', message: '<br><b>Key found in local cache</b>' })
    })

    test('a form post without retrieved_value is a 400 with the form, and stores nothing', async () => {
      await f.redis.set('kept', 'old')
      const post = (accept: string) =>
        f.app.request('/set', { method: 'POST', body: 'key_to_save=kept', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: accept } })
      const page = await post('text/html')
      expect(page.status).toBe(400)
      expect(page.headers.get('content-type')).toContain('text/html')
      const html = await page.text()
      expect(html).toContain('name="retrieved_value"')
      expect(html).toContain('class="field-error"')
      const api = await post('application/json')
      expect(api.status).toBe(400)
      expect((await api.json()).error.code).toBe('invalid_value')
      expect(await f.redis.get('kept')).toBe('old')
      // Present but empty is a value.
      const empty = await f.app.request('/set', { method: 'POST', body: 'key_to_save=kept&retrieved_value=', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
      expect(empty.status).toBe(200)
      expect(await f.redis.get('kept')).toBe('')
    })

    test('an empty string is a value', async () => {
      await f.app.request('/set', json({ e: '' }))
      const res = await f.app.request('/?key=e')
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ Key: 'e', Value: '' })
    })

    test('the form page has the seed field names', async () => {
      const res = await f.app.request('/')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/html')
      const page = await res.text()
      for (const field of ['name="key_to_save"', 'name="retrieved_value"', 'name="get_key"', 'action="/set"', 'action="/"']) {
        expect(page).toContain(field)
      }
    })

    test('form posts set and get, showing each step, escaped', async () => {
      const form = (body: Record<string, string>) => ({
        method: 'POST',
        body: new URLSearchParams(body).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      })
      const script = '<script>alert(1)</script>'
      const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;'
      let res = await f.app.request('/set', form({ key_to_save: script, retrieved_value: script }))
      expect(res.status).toBe(200)
      let page = await res.text()
      // Shown twice, as key and as value, and never as markup.
      expect(page.split(escaped).length - 1).toBe(2)
      expect(page).not.toContain('<script')
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(await f.redis.get(script)).toBe(script)

      res = await f.app.request('/', form({ get_key: script }))
      page = await res.text()
      expect(res.status).toBe(200)
      expect(page).toMatch(/Local cache<\/span><span class="outcome">hit: key found/)
      expect(page.split(escaped).length - 1).toBe(2)
      expect(page).not.toContain('<script')

      await f.app.request('/set', form({ key_to_save: 'markup', retrieved_value: '"><img src=x onerror=alert(1)>&amp;' }))
      page = await (await f.app.request('/', form({ get_key: 'markup' }))).text()
      expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;')
      expect(page).not.toContain('<img')
    })
  })
}

describe('seed routes without a local tier', () => {
  let f: AppFixture
  beforeAll(() => {
    f = appFixture(services.redis, localTierFor('none'))
  })
  afterAll(async () => f.close())

  test('the messages leave the local lines out', async () => {
    await f.redis.del('n')
    let res = await f.app.request('/?key=n')
    expect(await res.json()).toEqual({ message: '<br>Key not found in redis cache' })
    res = await f.app.request('/set', { method: 'POST', body: '{"n":"v"}', headers: { 'Content-Type': 'application/json' } })
    expect((await res.json()).message).toBe('<br>Key not found in redis cache<br>Setting key in redis cache')
    res = await f.app.request('/?key=n')
    expect((await res.json()).message).toBe('<br><b>Key found in redis cache</b>')
  })
})

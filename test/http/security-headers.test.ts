import { describe, expect, test } from 'bun:test'
import { Hono } from 'hono'
import { securedJson, securityHeaders, withSecurityHeaders } from '../../src/http/security-headers.ts'

const routes = (app: Hono) =>
  app
    .get('/json', (c) => c.json({ a: 1 }))
    .get('/page', (c) => c.html('<p>page</p>'))
    .get('/later', async (c) => c.json({ later: true }, 404))
    .get('/fetched', () => Response.redirect('http://127.0.0.1/elsewhere', 302))

describe('withSecurityHeaders', () => {
  test('sets exactly the headers of Hono secureHeaders with our policy, on every kind of answer', async () => {
    const reference = routes(new Hono().use('*', securityHeaders()))
    const wrapped = routes(new Hono())
    wrapped.fetch = withSecurityHeaders(wrapped.fetch)
    for (const path of ['/json', '/page', '/later', '/fetched', '/missing']) {
      const [expected, actual] = [await reference.request(path), await wrapped.request(path)]
      expect(actual.status).toBe(expected.status)
      expect([...actual.headers].sort()).toEqual([...expected.headers].sort())
      expect(actual.headers.get('x-frame-options')).toBe('DENY')
      expect(await actual.text()).toBe(await expected.text())
    }
  })

  test('keeps a synchronous answer synchronous', () => {
    const app = routes(new Hono())
    const answer = withSecurityHeaders(app.fetch)(new Request('http://127.0.0.1/json'))
    expect(answer).toBeInstanceOf(Response)
    expect((answer as Response).headers.get('content-security-policy')).toContain("default-src 'none'")
  })
})

describe('securedJson', () => {
  test('answers what c.json would under secureHeaders, and withSecurityHeaders leaves it as it is', async () => {
    const body = { Key: 'k', Value: 'v "quoted" é', message: '<br><b>Key found in local cache</b>', status: 'successful' }
    const reference = new Hono().use('*', securityHeaders()).get('/', (c) => c.json(body))
    const fast = new Hono().get('/', () => securedJson(body))
    fast.fetch = withSecurityHeaders(fast.fetch)
    const [expected, actual] = [await reference.request('/'), await fast.request('/')]
    expect(actual.status).toBe(200)
    expect([...actual.headers].sort()).toEqual([...expected.headers].sort())
    expect(await actual.text()).toBe(await expected.text())
  })
})

import { expect, test } from 'bun:test'
import { Hono } from 'hono'
import { limitConcurrency } from '../../src/http/concurrency-limit.ts'

function appWithGate(maxInFlight: number) {
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => (open = resolve))
  const app = new Hono()
  app.onError((_, c) => c.json({ error: 'failed' }, 500))
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/slow', async (c) => {
    await gate
    return c.json({ ok: true })
  })
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  app.get('/fast', (c) => c.text('sync'))
  app.fetch = limitConcurrency(app.fetch, { maxInFlight })
  return { app, open }
}

test('beyond the limit: 503 overloaded with Retry-After; healthz exempt; places are freed, also by failed requests', async () => {
  const { app, open } = appWithGate(2)
  const held = [app.request('/slow'), app.request('/slow')]
  const refused = await app.request('/slow')
  expect(refused.status).toBe(503)
  expect(refused.headers.get('retry-after')).toBe('1')
  expect(await refused.json()).toEqual({ error: { code: 'overloaded', message: expect.any(String) } })
  expect((await app.request('/healthz')).status).toBe(200)
  open()
  expect((await Promise.all(held.map((r) => Promise.resolve(r)))).map((r) => r.status)).toEqual([200, 200])
  for (let i = 0; i < 5; i++) expect((await app.request('/boom')).status).toBe(500)
  for (let i = 0; i < 5; i++) expect(app.request('/fast')).toBeInstanceOf(Response)
  expect((await Promise.all([app.request('/slow'), app.request('/slow')])).map((r) => r.status)).toEqual([200, 200])
})

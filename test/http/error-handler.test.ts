import { expect, test } from 'bun:test'
import { Hono } from 'hono'
import { errorHandler } from '../../src/http/error-handler.ts'
import { createLogger } from '../../src/logger.ts'

test('an unexpected error: the client gets the plain 500, the debug log its stack', async () => {
  let written = ''
  const logger = createLogger({ level: 'debug', write: (chunk) => (written += chunk), maxBufferBytes: 0 })
  const app = new Hono().get('/boom', function failingRoute() {
    throw new TypeError('cannot read x of undefined')
  })
  app.onError(errorHandler({ logger }))
  const answer = await app.request('/boom')
  expect(answer.status).toBe(500)
  const body = await answer.text()
  expect(JSON.parse(body)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } })
  for (const leak of ['failingRoute', 'error-handler.test', 'cannot read', 'at ']) expect(body).not.toContain(leak)
  const line = JSON.parse(written) as { level: string; error: { stack: string } }
  expect(line.level).toBe('error')
  expect(line.error.stack).toContain('failingRoute')
})

import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { OpenApiDocument } from '../../src/openapi/openapi-types.ts'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

let redis: ServiceProcess
let f: AppFixture
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'))
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

test('/docs renders the document: every operation, its parameters and answers, without a script', async () => {
  const document = (await (await f.app.request('/openapi.json')).json()) as OpenApiDocument
  const res = await f.app.request('/docs')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/html')
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
  const page = await res.text()
  expect(page).toStartWith('<!DOCTYPE html>')
  expect(page).not.toContain('<script')
  expect(page).toContain('href="/openapi.json"')
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      expect(page).toContain(`id="${operation.operationId}"`)
      expect(page).toContain(`href="#${operation.operationId}"`)
      expect(page).toContain(`${method.toUpperCase()}</span>${path}`)
      for (const status of Object.keys(operation.responses)) expect(page).toContain(`<td class="status">${status}</td>`)
      for (const parameter of operation.parameters ?? []) expect(page).toContain(`<code>${parameter.name}</code>`)
    }
  }
  // Described request bodies, down to a property's limits.
  expect(page).toContain('integer, 0 to 2147483647')
  expect(page).toContain('one of &quot;invalid_key&quot;')
  // Text from the document is escaped, never markup.
  expect(page).toContain('Bearer &lt;token&gt;')
  expect(page).not.toContain('<token>')
})

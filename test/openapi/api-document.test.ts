import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../../src/http/error-codes.ts'
import { DOCUMENT_WIDE_ERRORS, openApiPath } from '../../src/openapi/api-document.ts'
import type { HttpMethod, JsonSchema, OpenApiDocument, OpenApiOperation } from '../../src/openapi/openapi-types.ts'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/**
 * Routes that are not operations of their own: `/v1/keys` and `/v1/keys/` exist only to answer an
 * empty key with 400 `invalid_key` (as `/v1/keys/{key}` documents) instead of a 404.
 */
const NOT_OPERATIONS = new Set(['GET /v1/keys', 'PUT /v1/keys', 'DELETE /v1/keys', 'GET /v1/keys/', 'PUT /v1/keys/', 'DELETE /v1/keys/'])

/** Codes of the error handler's fallback for an HTTPException of a bare status, which no route throws. */
const FALLBACK_CODES: readonly ErrorCode[] = ['invalid_request', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unavailable']

let redis: ServiceProcess
let f: AppFixture
let document: OpenApiDocument
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'), { maxValueBytes: 1000 })
  document = (await (await f.app.request('/openapi.json')).json()) as OpenApiDocument
})
afterAll(async () => {
  await f.close()
  await redis.stop()
})

function operations(): { method: HttpMethod; path: string; operation: OpenApiOperation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method: method as HttpMethod, path, operation })))
}

function documentedCodes(operation: OpenApiOperation): Map<ErrorCode, string> {
  const codes = new Map<ErrorCode, string>()
  for (const [status, response] of Object.entries(operation.responses)) {
    const schema = response.content?.['application/json']?.schema
    const alternatives = (schema?.anyOf as JsonSchema[] | undefined) ?? (schema ? [schema] : [])
    for (const alternative of alternatives) {
      const error = (alternative.properties as Record<string, JsonSchema> | undefined)?.error
      const code = (error?.properties as Record<string, JsonSchema> | undefined)?.code
      for (const value of (code?.enum as ErrorCode[] | undefined) ?? []) codes.set(value, status)
    }
  }
  return codes
}

describe('the OpenAPI document', () => {
  test('lists every route the app serves, and nothing it does not', () => {
    const served = new Set(f.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`))
    const described = new Set(operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`))
    const expected = [...served].filter((route) => !NOT_OPERATIONS.has(route)).map((route) => route.replace(/ (.*)$/, (_, path: string) => ` ${openApiPath(path)}`))
    expect([...described].sort()).toEqual([...new Set(expected)].sort())
    // The exclusions are real routes, not stale names.
    for (const route of NOT_OPERATIONS) expect(served).toContain(route)
  })

  test('every error code is documented under its status, in an operation or for the whole API', () => {
    const inOperations = new Set<ErrorCode>()
    for (const { operation } of operations()) {
      for (const [code, status] of documentedCodes(operation)) {
        expect(`${code} ${status}`).toBe(`${code} ${ERROR_STATUS[code]}`)
        inOperations.add(code)
      }
    }
    for (const code of DOCUMENT_WIDE_ERRORS) expect(document.info.description).toContain(`\`${code}\``)
    const missing = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => !inOperations.has(code) && !DOCUMENT_WIDE_ERRORS.includes(code) && !FALLBACK_CODES.includes(code))
    expect(missing).toEqual([])
  })

  test('each operation has a unique operationId, a summary, tags, and the probes need no token', () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const { operation } of operations()) {
      expect(operation.summary.length).toBeGreaterThan(0)
      expect(operation.tags.length).toBe(1)
    }
    expect(document.openapi).toBe('3.1.0')
    expect(document.servers.length).toBeGreaterThan(0)
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['basicAuth', 'bearerAuth'])
    expect(document.paths['/healthz']!.get!.security).toEqual([])
    expect(document.paths['/readyz']!.get!.security).toEqual([])
    expect(document.paths['/v1/keys/{key}']!.get!.security).toBeUndefined()
    expect(document.paths['/v1/keys/{key}']!.get!.responses['401']).toBeDefined()
    expect(document.paths['/healthz']!.get!.responses['401']).toBeUndefined()
  })

  test('request bodies come from the schemas the routes validate with', () => {
    const put = document.paths['/v1/keys/{key}']!.put!.requestBody!.content
    expect(put['application/json']!.schema).toMatchObject({
      type: 'object',
      required: ['value'],
      properties: { value: { type: 'string' }, encoding: { enum: ['utf8', 'base64'] }, ttl: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 } },
    })
    expect(put['application/octet-stream']).toBeDefined()
  })
})

/** The operation a request reaches, by the document's path templates. */
function operationFor(method: string, path: string): OpenApiOperation {
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`)
    const operation = item[method.toLowerCase() as HttpMethod]
    if (pattern.test(path) && operation) return operation
  }
  throw new Error(`no operation for ${method} ${path}`)
}

/** Checks an answer against the document: its status is listed, and a JSON body fits that status's schema. */
async function expectDocumented(res: Response, method: string, path: string) {
  const operation = operationFor(method, path)
  const response = operation.responses[String(res.status)]
  expect(response, `${method} ${path} answered ${res.status}, not in the document`).toBeDefined()
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!
  if (res.status === 304) return
  expect(Object.keys(response!.content ?? {}), `${method} ${path} ${res.status} answered ${type}`).toContain(type)
  if (type !== 'application/json') return
  const schema = z.fromJSONSchema(response!.content![type]!.schema)
  const body: unknown = await res.json()
  const checked = schema.safeParse(body)
  expect(checked.success, `${method} ${path} ${res.status}: ${JSON.stringify(body)} ${checked.error?.message}`).toBe(true)
}

describe('the proxy answers as the document says', () => {
  const json = { 'Content-Type': 'application/json' }
  const cases: [string, string, RequestInit?][] = [
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: '{"value":"v","ttl":60}', headers: json }],
    ['PUT', '/v1/keys/doc-bytes', { method: 'PUT', body: new Uint8Array([0xff, 0]), headers: { 'Content-Type': 'application/octet-stream' } }],
    ['GET', '/v1/keys/doc-k'],
    ['GET', '/v1/keys/doc-bytes'],
    ['GET', '/v1/keys/doc-bytes', { headers: { Accept: 'application/octet-stream' } }],
    ['GET', '/v1/keys/doc-missing'],
    ['GET', '/v1/keys/doc-list'],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: '{broken', headers: json }],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: '{"value":1}', headers: json }],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: '{"value":"v","encoding":"hex"}', headers: json }],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: '{"value":"v","ttl":-1}', headers: json }],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: JSON.stringify({ value: 'x'.repeat(1001) }), headers: json }],
    ['PUT', '/v1/keys/doc-k', { method: 'PUT', body: 'v', headers: { 'Content-Type': 'text/plain' } }],
    ['PUT', '/v1/keys/doc-list', { method: 'PUT', body: '{"value":"v"}', headers: json }],
    ['DELETE', '/v1/keys/doc-gone', { method: 'DELETE' }],
    ['GET', `/v1/keys/${'k'.repeat(1025)}`],
    ['GET', '/?key=doc-k'],
    ['GET', '/?key=doc-missing'],
    ['GET', '/?key=a&key=b'],
    ['GET', '/'],
    ['POST', '/', { method: 'POST', body: new URLSearchParams({ get_key: 'doc-k' }) }],
    ['POST', '/', { method: 'POST', body: new URLSearchParams({ get_key: 'doc-missing' }) }],
    ['POST', '/set', { method: 'POST', body: '{"doc-s":"v"}', headers: json }],
    ['POST', '/set', { method: 'POST', body: '{"doc-s":"v","doc-t":"w"}', headers: json }],
    ['POST', '/set', { method: 'POST', body: '{}', headers: json }],
    ['POST', '/set', { method: 'POST', body: new URLSearchParams({ key_to_save: 'doc-f', retrieved_value: 'v' }) }],
    ['POST', '/set', { method: 'POST', body: new URLSearchParams({ key_to_save: 'doc-f', retrieved_value: 'v' }), headers: { Origin: 'https://elsewhere.example' } }],
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/metrics'],
    ['GET', '/stats'],
    ['GET', '/openapi.json'],
    ['GET', '/docs'],
  ]
  test('for every answer of a sample of requests: status, content type and body', async () => {
    await f.redis.rpush('doc-list', 'item')
    for (const [method, path, init] of cases) await expectDocumented(await f.app.request(path, init), method, path.split('?')[0]!)
  })

  test('and with API_TOKEN set, a 401', async () => {
    const guarded = appFixture(redis, localTierFor('memory'), { apiToken: 'doc-token' })
    try {
      await expectDocumented(await guarded.app.request('/v1/keys/doc-k'), 'GET', '/v1/keys/doc-k')
      await expectDocumented(await guarded.app.request('/docs'), 'GET', '/docs')
      expect((await guarded.app.request('/openapi.json')).status).toBe(401)
      expect((await guarded.app.request('/openapi.json', { headers: { Authorization: 'Bearer doc-token' } })).status).toBe(200)
    } finally {
      await guarded.close()
    }
  })
})

import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../http/error-codes.ts'
import type { ApiContent, ApiHeaderName, ApiOperation, ApiResponse, ApiTag } from './api-operation.ts'
import type { JsonSchema, OpenApiDocument, OpenApiOperation, OpenApiResponse } from './openapi-types.ts'

export interface ApiDocumentOptions {
  version: string
}

const TAGS: readonly { name: ApiTag; description: string }[] = [
  { name: 'keys', description: 'The REST API: one key per URL, values as text or raw bytes, HTTP caching (`ETag`, `X-Cache`).' },
  { name: 'seed', description: 'The Flask seed’s endpoints, bodies and form field names, kept word for word for old scripts.' },
  { name: 'operations', description: 'Probes for orchestrators and load balancers, Prometheus metrics, a stats page.' },
  { name: 'reference', description: 'This document and its rendering.' },
]

const RESPONSE_HEADERS: Readonly<Record<ApiHeaderName, { description: string; schema: JsonSchema }>> = {
  ETag: { description: 'A strong tag computed from the value: the same value has the same tag on every instance.', schema: { type: 'string' } },
  'X-Cache': { description: 'Which tier answered: `local` (this instance’s tier) or `redis`.', schema: { type: 'string', enum: ['local', 'redis'] } },
  'Cache-Control': { description: 'How a client may keep the answer.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
  Allow: { description: 'The methods the path has.', schema: { type: 'string' } },
  'WWW-Authenticate': { description: '`Bearer` for JSON clients, `Basic` for a browser (any user name, the token as password).', schema: { type: 'string' } },
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'No token or a wrong one (only when the proxy runs with `API_TOKEN`)',
  403: 'Forbidden',
  404: 'Not found',
  409: 'The Redis key holds another type (a list, a hash…)',
  413: 'Too large',
  415: 'Unsupported content type',
  503: 'Unavailable: retry after `Retry-After` seconds',
}

const HEADERS_BY_STATUS: Readonly<Record<number, readonly ApiHeaderName[]>> = { 401: ['WWW-Authenticate'], 503: ['Retry-After'] }

/** Answers no operation lists, because they come from outside the routes; told in the document's description. */
export const DOCUMENT_WIDE_ERRORS: readonly ErrorCode[] = ['route_not_found', 'method_not_allowed', 'internal_error']

const DESCRIPTION = `A caching HTTP proxy in front of Redis, with an in-process or Memcached local tier.

**Tokens.** When the proxy runs with \`API_TOKEN\`, every operation but \`/healthz\` and \`/readyz\` needs it:
\`Authorization: Bearer <token>\`, or HTTP Basic with any user name and the token as password (browsers
are asked that way). Without \`API_TOKEN\` no credentials are needed and the 401 answers never occur.

**Errors.** Every error is JSON \`{"error":{"code","message"}}\`: the \`code\` is stable (listed per status
under each operation), the \`message\` a sentence for people. A bad request never changes stored data.
Beyond the operations: \`route_not_found\` (404) for a path the proxy does not serve,
\`method_not_allowed\` (405, with \`Allow\`) for a method a path does not have, \`internal_error\` (500) for a fault
of the proxy itself (logged).

**Every answer** carries \`X-Request-Id\` (a sane one sent by the client is kept). With \`CORS_ORIGINS\`, browsers
at the listed origins are granted CORS; preflights are answered without a token.`

/** Hono's `:name` path parameters as OpenAPI's `{name}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

/** A zod schema as JSON Schema: what a request may send (`input`), or what a route reads (`output`). */
function jsonSchema(schema: z.ZodType | 'bytes', io: 'input' | 'output'): JsonSchema {
  if (schema === 'bytes') return { type: 'string', format: 'binary' }
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

function contentOf(content: ApiContent, io: 'input' | 'output'): Record<string, { schema: JsonSchema }> {
  return Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema: jsonSchema(schema, io) }]))
}

function headersOf(names: readonly ApiHeaderName[] | undefined): OpenApiResponse['headers'] {
  if (!names?.length) return undefined
  return Object.fromEntries(names.map((name) => [name, RESPONSE_HEADERS[name]]))
}

function errorSchema(codes: readonly ErrorCode[]): JsonSchema {
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: [...codes] }, message: { type: 'string', description: 'A sentence for people; it may change.' } },
      },
    },
  }
}

/** The codes an operation may answer with: its own, and those of the layers every request crosses. */
function errorCodesOf(operation: ApiOperation): ErrorCode[] {
  const codes = new Set<ErrorCode>(operation.errors)
  // Bun only: a Host header that is not host[:port] (see server/bun-request-target.ts).
  codes.add('invalid_host')
  if (!operation.open) codes.add('unauthorized')
  if (!operation.alwaysAdmitted) codes.add('overloaded')
  return [...codes]
}

function errorResponses(operation: ApiOperation): Map<number, OpenApiResponse> {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of errorCodesOf(operation)) {
    const status = ERROR_STATUS[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const responses = new Map<number, OpenApiResponse>()
  for (const [status, codes] of byStatus) {
    const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: errorSchema(codes) } }
    if (operation.htmlErrors && status < 500 && status !== 401) content['text/html'] = { schema: { type: 'string', description: 'The form again, each message by its field (browsers).' } }
    responses.set(status, {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
      headers: headersOf(HEADERS_BY_STATUS[status]),
      content,
    })
  }
  return responses
}

/** An answer of the operation's own and an error at the same status (a 503 /readyz, the seed's 404): either body. */
function merged(own: OpenApiResponse, error: OpenApiResponse): OpenApiResponse {
  const content = { ...own.content }
  for (const [type, media] of Object.entries(error.content ?? {})) {
    const mine = content[type]
    content[type] = mine ? { schema: { anyOf: [mine.schema, media.schema] } } : media
  }
  return { description: `${own.description} ${error.description}`, headers: { ...own.headers, ...error.headers }, content }
}

function responseOf(response: ApiResponse): OpenApiResponse {
  const result: OpenApiResponse = { description: response.description }
  const headers = headersOf(response.headers)
  if (headers) result.headers = headers
  if (response.content) result.content = contentOf(response.content, 'output')
  return result
}

function operationOf(operation: ApiOperation): OpenApiOperation {
  const responses = new Map<number, OpenApiResponse>(Object.entries(operation.responses).map(([status, response]) => [Number(status), responseOf(response)]))
  for (const [status, error] of errorResponses(operation)) {
    const own = responses.get(status)
    responses.set(status, own ? merged(own, error) : error)
  }
  const result: OpenApiOperation = {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    responses: Object.fromEntries([...responses].sort(([a], [b]) => a - b).map(([status, response]) => [String(status), response])),
  }
  if (operation.description) result.description = operation.description
  if (operation.open) result.security = []
  if (operation.parameters?.length) {
    result.parameters = operation.parameters.map((parameter) => ({
      name: parameter.name,
      in: parameter.in,
      required: parameter.in === 'path' || parameter.required === true,
      description: parameter.description,
      schema: jsonSchema(parameter.schema, 'output'),
    }))
  }
  if (operation.requestBody) {
    result.requestBody = { required: true, content: contentOf(operation.requestBody.content, 'input') }
    if (operation.requestBody.description) result.requestBody.description = operation.requestBody.description
  }
  return result
}

/** The OpenAPI 3.1 document of the given operations. */
export function apiDocument(operations: readonly ApiOperation[], { version }: ApiDocumentOptions): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {}
  for (const operation of operations) {
    const path = (paths[openApiPath(operation.path)] ??= {})
    if (path[operation.method]) throw new Error(`${operation.method.toUpperCase()} ${operation.path} is described twice`)
    path[operation.method] = operationOf(operation)
  }
  const usedTags = new Set(operations.map((operation) => operation.tag))
  return {
    openapi: '3.1.0',
    // A private package with no licence: SPDX's form for a licence of one's own.
    info: { title: 'RedisProxyServer', version, description: DESCRIPTION, license: { name: 'Proprietary: no licence granted', identifier: 'LicenseRef-Proprietary' } },
    servers: [{ url: '/', description: 'This proxy (the origin this document was fetched from)' }],
    tags: TAGS.filter((tag) => usedTags.has(tag.name)),
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: '`API_TOKEN`, for API clients. Needed only when the proxy runs with `API_TOKEN`.' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'Any user name, `API_TOKEN` as password: what browsers are asked for.' },
      },
    },
  }
}

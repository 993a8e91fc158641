import { z } from 'zod'
import type { ApiOperation, ApiParameter } from '../openapi/api-operation.ts'
import { keySchema } from '../http/validation.ts'
import { bytesPutQuery, putBody } from './keys.ts'

/** `/v1` as the OpenAPI document tells it (see openapi/api-operation.ts), with the schemas keys.ts validates with. */

const keyParameter: ApiParameter = {
  name: 'key',
  in: 'path',
  description: 'The key, percent-encoded (encodeURIComponent): any non-empty UTF-8 string of at most 1024 bytes, slashes and spaces included.',
  schema: keySchema,
}

const encodedValue = {
  value: z.string().describe('The value as text; base64 of its bytes when `encoding` is `base64`.'),
  encoding: z.literal('base64').optional().describe('Present when the value is not valid UTF-8: `value` is then base64 of its bytes.'),
}

const source = z.enum(['local', 'redis']).describe('The tier that answered.')

export const keyOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/keys/:key',
    operationId: 'getKey',
    summary: 'Read a value',
    description:
      'From the local tier when it holds a copy, else from Redis (which fills the local tier). `Accept: application/octet-stream` answers the raw bytes. With `If-None-Match` holding the current ETag: 304 without a body.',
    tag: 'keys',
    parameters: [keyParameter, { name: 'If-None-Match', in: 'header', description: 'ETags the client holds; a match answers 304.', schema: z.string() }],
    responses: {
      200: {
        description: 'The value.',
        headers: ['ETag', 'X-Cache', 'Cache-Control'],
        content: { 'application/json': z.object({ key: z.string(), ...encodedValue, source }), 'application/octet-stream': 'bytes' },
      },
      304: { description: 'The value still has the ETag sent in If-None-Match.', headers: ['ETag', 'X-Cache', 'Cache-Control'] },
    },
    errors: ['invalid_key', 'key_not_found', 'wrong_type', 'redis_unavailable'],
  },
  {
    method: 'put',
    path: '/v1/keys/:key',
    operationId: 'putKey',
    summary: 'Store a value',
    description:
      'Writes Redis (with the ttl) and the local tier, and tells every instance to drop its copy. The body is JSON, or with `Content-Type: application/octet-stream` the value’s raw bytes (ttl then in the query).',
    tag: 'keys',
    parameters: [keyParameter, { name: 'ttl', in: 'query', description: 'For a raw-bytes body: seconds until Redis expires the key; 0: never.', schema: bytesPutQuery.shape.ttl }],
    requestBody: { content: { 'application/json': putBody, 'application/octet-stream': 'bytes' } },
    responses: {
      200: { description: 'Stored.', content: { 'application/json': z.object({ key: z.string(), ...encodedValue, created: z.boolean().describe('false when it replaced a value.') }) } },
    },
    errors: ['invalid_key', 'invalid_json', 'invalid_body', 'invalid_value', 'invalid_encoding', 'invalid_ttl', 'value_too_large', 'body_too_large', 'unsupported_media_type', 'wrong_type', 'redis_unavailable'],
  },
  {
    method: 'delete',
    path: '/v1/keys/:key',
    operationId: 'deleteKey',
    summary: 'Delete a value',
    description: 'Removes the key from Redis and from every instance’s local tier.',
    tag: 'keys',
    parameters: [keyParameter],
    responses: { 200: { description: 'Deleted, or there was nothing to delete.', content: { 'application/json': z.object({ key: z.string(), deleted: z.boolean().describe('false when the key did not exist.') }) } } },
    errors: ['invalid_key', 'redis_unavailable'],
  },
]

import { z } from 'zod'
import type { ApiOperation, ApiParameter } from '../openapi/api-operation.ts'
import { keySchema } from '../http/validation.ts'
import { mgetBody, msetBody, putKeyBody, putKeyBytesQuery } from '../http/api-schemas.ts'

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
    parameters: [
      keyParameter,
      { name: 'If-None-Match', in: 'header', description: 'ETags the client holds; a match answers 304.', schema: z.string() },
      {
        name: 'Cache-Control',
        in: 'header',
        description: '`no-cache` or `max-age=0`: skip the local tier and read Redis; `only-if-cached`: answer from the local tier only (504 `not_cached` without a copy).',
        schema: z.string(),
      },
    ],
    responses: {
      200: {
        description: 'The value.',
        headers: ['ETag', 'X-Cache', 'Cache-Control'],
        content: { 'application/json': z.object({ key: z.string(), ...encodedValue, source }), 'application/octet-stream': 'bytes' },
      },
      304: { description: 'The value still has the ETag sent in If-None-Match.', headers: ['ETag', 'X-Cache', 'Cache-Control'] },
    },
    errors: ['invalid_key', 'key_not_found', 'wrong_type', 'redis_unavailable', 'not_cached'],
  },
  {
    method: 'put',
    path: '/v1/keys/:key',
    operationId: 'putKey',
    summary: 'Store a value',
    description:
      'Writes Redis (with the ttl) and the local tier, and tells every instance to drop its copy. With REDIS_MIN_REPLICAS, a 503 `not_replicated` means the write may or may not have happened. The body is JSON, or with `Content-Type: application/octet-stream` the value’s raw bytes (ttl then in the query).',
    tag: 'keys',
    parameters: [keyParameter, { name: 'ttl', in: 'query', description: 'For a raw-bytes body: seconds until Redis expires the key; 0: never.', schema: putKeyBytesQuery.shape.ttl }],
    requestBody: { content: { 'application/json': putKeyBody, 'application/octet-stream': 'bytes' } },
    responses: {
      200: { description: 'Stored.', content: { 'application/json': z.object({ key: z.string(), ...encodedValue, created: z.boolean().describe('false when it replaced a value.') }) } },
    },
    errors: ['invalid_key', 'invalid_json', 'invalid_body', 'invalid_value', 'invalid_encoding', 'invalid_ttl', 'value_too_large', 'body_too_large', 'unsupported_media_type', 'wrong_type', 'redis_unavailable', 'not_replicated'],
  },
  {
    method: 'delete',
    path: '/v1/keys/:key',
    operationId: 'deleteKey',
    summary: 'Delete a value',
    description: 'Removes the key from Redis and from every instance’s local tier. A key of another Redis type is left alone (409).',
    tag: 'keys',
    parameters: [keyParameter],
    responses: { 200: { description: 'Deleted, or there was nothing to delete.', content: { 'application/json': z.object({ key: z.string(), deleted: z.boolean().describe('false when the key did not exist.') }) } } },
    errors: ['invalid_key', 'wrong_type', 'redis_unavailable', 'not_replicated'],
  },
  {
    method: 'get',
    path: '/v1/keys/:key/ttl',
    operationId: 'getKeyTtl',
    summary: 'Read a key’s remaining lifetime',
    description: 'Straight from Redis: whole seconds left, rounded up (a living key never reads 0); null when it has no expiry.',
    tag: 'keys',
    parameters: [keyParameter],
    responses: {
      200: {
        description: 'The remaining lifetime.',
        headers: ['Cache-Control'],
        content: { 'application/json': z.object({ key: z.string(), ttl: z.number().int().min(1).nullable().describe('Seconds left; null: no expiry.') }) },
      },
    },
    errors: ['invalid_key', 'key_not_found', 'wrong_type', 'redis_unavailable'],
  },
  {
    method: 'post',
    path: '/v1/mget',
    operationId: 'getMany',
    summary: 'Read up to 1000 keys',
    description:
      'One result per key, in request order. Local copies where a single GET would use them; the rest from Redis in one round trip, filling the local tier. `Cache-Control: no-cache` reads every key from Redis. A key of another Redis type fails the whole request (409).',
    tag: 'keys',
    requestBody: { content: { 'application/json': mgetBody } },
    responses: {
      200: {
        description: 'The values; `value` null for a key Redis does not hold (its `source` is then redis).',
        content: {
          'application/json': z.object({
            results: z.array(z.object({ key: z.string(), value: z.string().nullable().describe('The value as text, base64 with `encoding`; null when absent.'), encoding: encodedValue.encoding, source })),
          }),
        },
      },
    },
    errors: ['invalid_json', 'invalid_body', 'invalid_key', 'no_keys', 'too_many_keys', 'body_too_large', 'unsupported_media_type', 'wrong_type', 'redis_unavailable'],
  },
  {
    method: 'post',
    path: '/v1/mset',
    operationId: 'setMany',
    summary: 'Store up to 1000 values, all or none',
    description:
      'One atomic step in Redis: if any key holds another Redis type nothing is written (409). On a Redis Cluster the keys must hash to one slot (a common {hash tag}), else 400 `cross_slot`. Local copies follow as for single writes.',
    tag: 'keys',
    requestBody: { content: { 'application/json': msetBody } },
    responses: {
      200: {
        description: 'Every pair stored.',
        content: { 'application/json': z.object({ results: z.array(z.object({ key: z.string(), created: z.boolean().describe('false when it replaced a value.') })) }) },
      },
    },
    errors: [
      'invalid_json',
      'invalid_body',
      'invalid_key',
      'invalid_value',
      'invalid_encoding',
      'invalid_ttl',
      'no_pairs',
      'too_many_pairs',
      'value_too_large',
      'body_too_large',
      'unsupported_media_type',
      'wrong_type',
      'cross_slot',
      'redis_unavailable',
      'not_replicated',
    ],
  },
]

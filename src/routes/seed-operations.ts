import { z } from 'zod'
import { keySchema, valueSchema } from '../http/validation.ts'
import type { ApiOperation } from '../openapi/api-operation.ts'
import { MAX_PAIRS_PER_SET } from './seed.tsx'

/** The seed's endpoints as the OpenAPI document tells them (see openapi/api-operation.ts). */

const seedValue = {
  Value: z.string().describe('The value; base64 of its bytes when `encoding` is `base64`.'),
  encoding: z.literal('base64').optional().describe('Present when the value is not valid UTF-8.'),
}

const message = z.string().describe('The seed’s HTML-flavoured account of each tier’s step, word for word.')

const seedResult = z.object({ Key: z.string(), ...seedValue, message, status: z.literal('successful') })

const page = z.string().describe('An HTML page.')

const resultPage = z.string().describe('An HTML page with the key, the value and each tier’s step.')

export const seedOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/',
    operationId: 'seedGet',
    summary: 'Read a value (seed), or the form page',
    description: 'With `?key=`: the seed’s JSON answer, from the local tier or Redis. Without: the page with the Set and Get forms.',
    tag: 'seed',
    parameters: [{ name: 'key', in: 'query', description: 'The key to read; absent: the form page.', schema: keySchema }],
    responses: {
      200: { description: 'The value (JSON), or the form page (HTML) without `key`.', headers: ['X-Cache'], content: { 'application/json': seedResult, 'text/html': page } },
      404: { description: 'Neither tier holds the key (the seed’s message).', content: { 'application/json': z.object({ message }) } },
    },
    errors: ['invalid_key', 'ambiguous_key', 'wrong_type', 'redis_unavailable'],
  },
  {
    method: 'post',
    path: '/',
    operationId: 'seedFormGet',
    summary: 'Read a value from the Get form',
    description: 'The form page posts here; the answer is a page. A post from another site’s page is refused (403).',
    tag: 'seed',
    requestBody: { content: { 'application/x-www-form-urlencoded': z.object({ get_key: keySchema.describe('The key to read.') }) } },
    responses: {
      200: { description: 'The value and each tier’s step.', content: { 'text/html': resultPage } },
      404: { description: 'Neither tier holds the key.', content: { 'text/html': resultPage } },
    },
    errors: ['invalid_form', 'invalid_key', 'forbidden_origin', 'body_too_large', 'unsupported_media_type', 'wrong_type', 'redis_unavailable'],
    htmlErrors: true,
  },
  {
    method: 'post',
    path: '/set',
    operationId: 'seedSet',
    summary: 'Store values (seed), or from the Set form',
    description: `A JSON object of 1 to ${MAX_PAIRS_PER_SET} \`"key": "value"\` pairs, all checked before any is written; or the Set form. Each pair is written to Redis (with REDIS_TTL_SECONDS) and the local tier.`,
    tag: 'seed',
    requestBody: {
      content: {
        'application/json': z.record(keySchema, valueSchema).meta({ minProperties: 1, maxProperties: MAX_PAIRS_PER_SET }),
        'application/x-www-form-urlencoded': z.object({ key_to_save: keySchema, retrieved_value: z.string().optional().describe('The value; absent: the empty string.') }),
      },
    },
    responses: {
      200: {
        description: 'Written: one pair’s result, or `results` for several; a page for the form.',
        content: {
          'application/json': z.union([seedResult, z.object({ status: z.literal('successful'), results: z.array(seedResult) })]),
          'text/html': resultPage,
        },
      },
    },
    errors: ['invalid_json', 'invalid_body', 'no_pairs', 'too_many_pairs', 'invalid_key', 'invalid_value', 'value_too_large', 'body_too_large', 'invalid_form', 'unsupported_media_type', 'forbidden_origin', 'wrong_type', 'redis_unavailable'],
    htmlErrors: true,
  },
]

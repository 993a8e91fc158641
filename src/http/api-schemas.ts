import { z } from 'zod'
import { keySchema, valueSchema } from './validation.ts'

/** The request bodies and queries of `/v1`, named so that the OpenAPI document describes what is checked. */

/** Most keys one mget, or pairs one mset, may carry. */
export const MAX_BATCH_SIZE = 1000

export const ttlSchema = z
  .number({ error: 'The ttl must be a whole number of seconds.' })
  .int('The ttl must be a whole number of seconds.')
  .min(0, 'The ttl must be 0 (no expiry) or more.')
  .max(2 ** 31 - 1, 'The ttl must be at most 2147483647 seconds.')
  .describe('Seconds until Redis expires the key; 0: never; absent: REDIS_TTL_SECONDS.')

/** How a JSON body's values are written: as text (the default), or as base64 of any bytes. */
export const encodingSchema = z.enum(['utf8', 'base64'], { error: 'The encoding must be "utf8" (the default) or "base64".' }).describe('How values are written; absent: utf8.')

/** `PUT /v1/keys/:key` with a JSON body. */
export const putKeyBody = z.object(
  {
    value: valueSchema.describe('The value: text, or base64 of its bytes with "encoding": "base64".'),
    encoding: encodingSchema.optional(),
    ttl: ttlSchema.optional(),
  },
  { error: 'The body must be a JSON object: {"value": string, "encoding"?: "base64", "ttl"?: seconds}.' },
)

/** `?ttl=` of a PUT whose body is the raw bytes. */
export const putKeyBytesQuery = z.object({ ttl: z.coerce.number({ error: 'The ttl must be a whole number of seconds.' }).pipe(ttlSchema).optional() })

/** `POST /v1/mget`: 1 to 1000 keys, repeats allowed. */
export const mgetBody = z.object(
  { keys: z.array(keySchema).min(1).max(MAX_BATCH_SIZE).describe('1 to 1000 keys; repeats are answered alike.') },
  { error: 'The body must be a JSON object: {"keys": [key, …]}.' },
)

/** `POST /v1/mset`: 1 to 1000 `"key": value` pairs, written all or none. */
export const msetBody = z.object(
  {
    pairs: z.record(keySchema, valueSchema).describe('1 to 1000 "key": value pairs, written all or none.'),
    encoding: encodingSchema.optional(),
    ttl: ttlSchema.optional(),
  },
  { error: 'The body must be a JSON object: {"pairs": {"key": value, …}, "encoding"?: "base64", "ttl"?: seconds}.' },
)

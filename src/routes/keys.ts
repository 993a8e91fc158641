import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { entityTag } from '../cache/entity-tag.ts'
import type { Tier, TieredCache } from '../cache/tiered-cache.ts'
import { valueFromBytes, type Value } from '../cache/value.ts'
import { ApiError } from '../http/api-error.ts'
import type { AppEnv } from '../http/app-env.ts'
import { requestBodyLimit } from '../http/body-limit.ts'
import { ifNoneMatchHolds } from '../http/if-none-match.ts'
import { observedJson } from '../http/request-observer.ts'
import { pathKey } from '../http/request-key.ts'
import { validate, valueSchema } from '../http/validation.ts'
import { bytesAnswer, decodedValue, encodedValue, sendsBytes, wantsBytes } from '../http/value-encoding.ts'
import { checkValueSize } from '../http/value-limit.ts'

export interface KeyRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

export const ttlSchema = z
  .number({ error: 'The ttl must be a whole number of seconds.' })
  .int('The ttl must be a whole number of seconds.')
  .min(0, 'The ttl must be 0 (no expiry) or more.')
  .max(2 ** 31 - 1, 'The ttl must be at most 2147483647 seconds.')
  .describe('Seconds until Redis expires the key; 0: never; absent: REDIS_TTL_SECONDS.')

export const putBody = z.object(
  {
    value: valueSchema.describe('The value: text, or base64 of its bytes with "encoding": "base64".'),
    encoding: z.enum(['utf8', 'base64'], { error: 'The encoding must be "utf8" (the default) or "base64".' }).optional().describe('How `value` is written; absent: utf8.'),
    ttl: ttlSchema.optional(),
  },
  { error: 'The body must be a JSON object: {"value": string, "encoding"?: "base64", "ttl"?: seconds}.' },
)

/** `?ttl=` of a PUT whose body is the raw bytes. */
export const bytesPutQuery = z.object({ ttl: z.coerce.number({ error: 'The ttl must be a whole number of seconds.' }).pipe(ttlSchema).optional() })

/** How answers of a value may be cached: stored, but revalidated (ETag) before each use; not by shared caches. */
const VALUE_CACHE_CONTROL = 'private, no-cache'

function valueHeaders(etag: string, tier: Tier): Record<string, string> {
  return { ETag: etag, 'X-Cache': tier, 'Cache-Control': VALUE_CACHE_CONTROL }
}

/** One answer of a GET: the raw bytes, or JSON (base64 for bytes that are not UTF-8). */
function valueAnswer(c: Context<AppEnv>, key: string, value: Value, etag: string, source: Tier): Response {
  const headers = valueHeaders(etag, source)
  const ifNoneMatch = c.req.header('if-none-match')
  if (ifNoneMatch !== undefined && ifNoneMatchHolds(ifNoneMatch, etag)) return new Response(null, { status: 304, headers })
  if (wantsBytes(c)) return bytesAnswer(value, headers)
  return observedJson(c.env.observation, { key, ...encodedValue(value), source }, 200, headers)
}

const emptyKey = () => {
  throw new ApiError(400, 'invalid_key', 'The key must not be empty: use /v1/keys/<key>.')
}

/** The REST API: `/v1/keys/:key` GET, PUT and DELETE. */
export function keyRoutes({ cache, maxValueBytes }: KeyRoutesOptions) {
  return new Hono<AppEnv>()
    .get('/keys/:key', (c): Response | Promise<Response> => {
      const key = pathKey(c)
      // Synchronous on a local hit, as in the seed's GET: no promise chain on the hot path.
      const observation = c.env.observation
      observation.key = key
      const local = cache.peekLocal(key)
      if (local !== undefined) {
        observation.tier = 'local'
        return valueAnswer(c, key, local.value, local.etag, 'local')
      }
      return cache.read(key).then((outcome) => {
        observation.tier = outcome.source ?? 'none'
        if (outcome.value === undefined) throw new ApiError(404, 'key_not_found', 'No value is stored under this key.')
        return valueAnswer(c, key, outcome.value, entityTag(outcome.value), outcome.source!)
      })
    })
    .put(
      '/keys/:key',
      (c, next) => {
        pathKey(c)
        return next()
      },
      requestBodyLimit({ maxValueBytes }),
      async function storeRawBytes(c, next) {
        if (!sendsBytes(c)) return next()
        const key = pathKey(c)
        const query = bytesPutQuery.safeParse(c.req.query())
        if (!query.success) throw new ApiError(400, 'invalid_ttl', query.error.issues[0]?.message ?? 'The ttl is invalid.')
        const value = valueFromBytes(Buffer.from(await c.req.arrayBuffer()))
        checkValueSize(value, maxValueBytes)
        const outcome = await cache.write(key, value, query.data.ttl, { trace: false })
        return c.json({ key, ...encodedValue(value), created: outcome.created })
      },
      validate('json', putBody),
      async (c) => {
        const key = pathKey(c)
        const { value: sent, encoding, ttl } = c.req.valid('json')
        const value = decodedValue(sent, encoding)
        checkValueSize(value, maxValueBytes)
        const outcome = await cache.write(key, value, ttl, { trace: false })
        return c.json({ key, ...encodedValue(value), created: outcome.created })
      },
    )
    .delete('/keys/:key', async (c) => {
      const key = pathKey(c)
      const deleted = await cache.remove(key)
      return c.json({ key, deleted })
    })
    .on(['GET', 'PUT', 'DELETE'], ['/keys', '/keys/'], emptyKey)
}

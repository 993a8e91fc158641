import { Hono, type Context } from 'hono'
import { entityTag } from '../cache/entity-tag.ts'
import { GONE, NO_EXPIRY } from '../cache/local-fill.ts'
import type { ReadOutcome, Tier, TieredCache } from '../cache/tiered-cache.ts'
import { valueFromBytes, type Value } from '../cache/value.ts'
import { ApiError, notCached } from '../http/api-error.ts'
import type { AppEnv } from '../http/app-env.ts'
import { requestBodyLimit } from '../http/body-limit.ts'
import { ifNoneMatchHolds } from '../http/if-none-match.ts'
import { observedJson } from '../http/request-observer.ts'
import { pathKey } from '../http/request-key.ts'
import { putKeyBody, putKeyBytesQuery } from '../http/api-schemas.ts'
import { localTierUse } from '../http/request-cache-control.ts'
import { validate } from '../http/validation.ts'
import { bytesAnswer, decodedValue, encodedValue, sendsBytes, wantsBytes } from '../http/value-encoding.ts'
import { checkValueSize } from '../http/value-limit.ts'

export interface KeyRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

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

const notFound = () => new ApiError(404, 'key_not_found', 'No value is stored under this key.')

function answerRead(c: Context<AppEnv>, key: string, outcome: ReadOutcome): Response {
  c.env.observation.tier = outcome.source ?? 'none'
  if (outcome.value === undefined) throw notFound()
  return valueAnswer(c, key, outcome.value, entityTag(outcome.value), outcome.source!)
}

/** A GET whose Cache-Control skips the local tier (read Redis) or allows nothing else (only-if-cached). */
async function readAsAsked(c: Context<AppEnv>, key: string, use: 'skip' | 'only', cache: TieredCache): Promise<Response> {
  if (use === 'skip') return answerRead(c, key, await cache.readFresh(key))
  const cached = await cache.readCached(key)
  if (cached === undefined) throw notCached()
  c.env.observation.tier = 'local'
  return valueAnswer(c, key, cached.value, cached.etag, 'local')
}

const emptyKey = () => {
  throw new ApiError(400, 'invalid_key', 'The key must not be empty: use /v1/keys/<key>.')
}

/** The REST API: `/v1/keys/:key` GET, PUT and DELETE, and `/v1/keys/:key/ttl`. */
export function keyRoutes({ cache, maxValueBytes }: KeyRoutesOptions) {
  return new Hono<AppEnv>()
    .get('/keys/:key', (c): Response | Promise<Response> => {
      const key = pathKey(c)
      // Synchronous on a local hit, as in the seed's GET: no promise chain on the hot path.
      const observation = c.env.observation
      const cacheControl = c.req.header('cache-control')
      if (cacheControl !== undefined) {
        const use = localTierUse(cacheControl)
        if (use !== undefined) return readAsAsked(c, key, use, cache)
      }
      const local = cache.peekLocal(key)
      if (local !== undefined) {
        observation.tier = 'local'
        return valueAnswer(c, key, local.value, local.etag, 'local')
      }
      return cache.read(key).then((outcome) => answerRead(c, key, outcome))
    })
    .get('/keys/:key/ttl', async (c) => {
      const key = pathKey(c, '/ttl')
      c.env.observation.key = key
      const ttlMs = await cache.ttl(key)
      if (ttlMs === GONE) throw notFound()
      // Rounded up: a key that still exists never reads 0 (which a PUT's ttl means "no expiry").
      return c.json({ key, ttl: ttlMs === NO_EXPIRY ? null : Math.ceil(ttlMs / 1000) }, 200, { 'Cache-Control': 'no-store' })
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
        const query = putKeyBytesQuery.safeParse(c.req.query())
        if (!query.success) throw new ApiError(400, 'invalid_ttl', query.error.issues[0]?.message ?? 'The ttl is invalid.')
        const value = valueFromBytes(Buffer.from(await c.req.arrayBuffer()))
        checkValueSize(value, maxValueBytes)
        const outcome = await cache.write(key, value, query.data.ttl, { trace: false })
        return c.json({ key, ...encodedValue(value), created: outcome.created })
      },
      validate('json', putKeyBody),
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

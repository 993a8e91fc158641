import { Hono } from 'hono'
import type { TieredCache } from '../cache/tiered-cache.ts'
import type { AppEnv } from '../http/app-env.ts'
import { parseMgetBody, parseMsetBody } from '../http/batch-bodies.ts'
import { requestBodyLimit } from '../http/body-limit.ts'
import { readJson, requireJson } from '../http/read-body.ts'
import { localTierUse } from '../http/request-cache-control.ts'
import { encodedValue } from '../http/value-encoding.ts'

export interface BatchRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

/** `POST /v1/mget` and `POST /v1/mset`: up to 1000 keys in one request and one Redis round trip. */
export function batchRoutes({ cache, maxValueBytes }: BatchRoutesOptions) {
  const limitBody = requestBodyLimit({ maxValueBytes })
  return new Hono<AppEnv>()
    .post('/mget', limitBody, async (c) => {
      requireJson(c)
      const keys = parseMgetBody(await readJson(c))
      const cacheControl = c.req.header('cache-control')
      // no-cache (max-age=0) reads every key from Redis, as on a single GET; only-if-cached is not offered here.
      const outcomes = await cache.readMany(keys, { fresh: cacheControl !== undefined && localTierUse(cacheControl) === 'skip' })
      return c.json({
        results: outcomes.map(({ key, value, source }) => (value === undefined ? { key, value: null, source } : { key, ...encodedValue(value), source })),
      })
    })
    .post('/mset', limitBody, async (c) => {
      requireJson(c)
      const { pairs, ttl } = parseMsetBody(await readJson(c), maxValueBytes)
      const outcomes = await cache.writeMany(pairs, ttl, { trace: false })
      return c.json({ results: outcomes.map(({ key, created }) => ({ key, created })) })
    })
}

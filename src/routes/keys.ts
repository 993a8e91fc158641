import { Hono } from 'hono'
import { z } from 'zod'
import type { TieredCache } from '../cache/tiered-cache.ts'
import { ApiError } from '../http/api-error.ts'
import type { AppEnv } from '../http/app-env.ts'
import { requestBodyLimit } from '../http/body-limit.ts'
import { observedJson } from '../http/request-observer.ts'
import { pathKey } from '../http/request-key.ts'
import { validate, valueSchema } from '../http/validation.ts'
import { checkValueSize } from '../http/value-limit.ts'

export interface KeyRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

const putBody = z.object(
  {
    value: valueSchema,
    ttl: z.number({ error: 'The ttl must be a whole number of seconds.' }).int('The ttl must be a whole number of seconds.').min(0, 'The ttl must be 0 (no expiry) or more.').max(2 ** 31 - 1, 'The ttl must be at most 2147483647 seconds.').optional(),
  },
  { error: 'The body must be a JSON object: {"value": string, "ttl"?: seconds}.' },
)

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
        return observedJson(observation, { key, value: local, source: 'local' })
      }
      return cache.read(key).then((outcome) => {
        observation.tier = outcome.source ?? 'none'
        if (outcome.value === undefined) throw new ApiError(404, 'key_not_found', 'No value is stored under this key.')
        return observedJson(observation, { key, value: outcome.value, source: outcome.source })
      })
    })
    .put(
      '/keys/:key',
      (c, next) => {
        pathKey(c)
        return next()
      },
      requestBodyLimit({ maxValueBytes }),
      validate('json', putBody),
      async (c) => {
        const key = pathKey(c)
        const { value, ttl } = c.req.valid('json')
        checkValueSize(value, maxValueBytes)
        const outcome = await cache.write(key, value, ttl, { trace: false })
        return c.json({ key, value, created: outcome.created })
      },
    )
    .delete('/keys/:key', async (c) => {
      const key = pathKey(c)
      const deleted = await cache.remove(key)
      return c.json({ key, deleted })
    })
    .on(['GET', 'PUT', 'DELETE'], ['/keys', '/keys/'], emptyKey)
}

import { Hono } from 'hono'
import { z } from 'zod'
import type { TieredCache } from '../cache/tiered-cache.ts'
import { ApiError } from '../http/api-error.ts'
import type { AppEnv } from '../http/app-env.ts'
import { bodyKind, readFormField, readJson } from '../http/read-body.ts'
import { checkKey, valueSchema } from '../http/validation.ts'
import { checkValueSize } from '../http/value-limit.ts'
import { FormPage } from '../views/form-page.tsx'
import { ResultPage } from '../views/result-page.tsx'
import { foundBody, readMessage, writtenBody } from './seed-messages.ts'

export interface SeedRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

const pairsSchema = z.record(z.string(), valueSchema)

/** The Flask seed's routes, bodies and form field names, kept word for word. */
export function seedRoutes({ cache, maxValueBytes }: SeedRoutesOptions) {
  const parsePairs = (body: unknown): [string, string][] => {
    const result = pairsSchema.safeParse(body)
    if (!result.success) {
      throw new ApiError(400, 'invalid_request', 'The body must be a JSON object of "key": "value" pairs with string values.', { cause: result.error })
    }
    const pairs = Object.entries(result.data)
    if (pairs.length === 0) throw new ApiError(400, 'no_pairs', 'The body must hold at least one "key": "value" pair.')
    for (const [key, value] of pairs) {
      checkKey(key)
      checkValueSize(value, maxValueBytes)
    }
    return pairs
  }

  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const key = c.req.query('key')
      if (key === undefined) return c.html(<FormPage />)
      const outcome = await cache.read(checkKey(key))
      c.set('tier', outcome.source ?? 'none')
      if (outcome.value === undefined) return c.json({ message: readMessage(outcome) }, 404)
      return c.json(foundBody(outcome))
    })
    .post('/', async (c) => {
      if (bodyKind(c) !== 'form') throw new ApiError(415, 'unsupported_media_type', 'Post the Get form as a form (get_key), or use GET /?key=.')
      const key = checkKey(await readFormField(c, 'get_key'))
      const outcome = await cache.read(key)
      c.set('tier', outcome.source ?? 'none')
      return c.html(<ResultPage action="get" keyName={key} value={outcome.value} steps={outcome.steps} />, outcome.value === undefined ? 404 : 200)
    })
    .post('/set', async (c) => {
      if (bodyKind(c) === 'form') {
        const key = checkKey(await readFormField(c, 'key_to_save'))
        const value = (await readFormField(c, 'retrieved_value')) ?? ''
        checkValueSize(value, maxValueBytes)
        const outcome = await cache.write(key, value)
        return c.html(<ResultPage action="set" keyName={key} value={value} steps={outcome.steps} />)
      }
      const pairs = parsePairs(await readJson(c))
      const outcomes = await Promise.all(pairs.map(([key, value]) => cache.write(key, value)))
      if (outcomes.length === 1) return c.json(writtenBody(outcomes[0]!))
      return c.json({ status: 'successful', results: outcomes.map(writtenBody) })
    })
}

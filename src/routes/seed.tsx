import { Hono } from 'hono'
import type { TieredCache } from '../cache/tiered-cache.ts'
import type { Value } from '../cache/value.ts'
import { ApiError, notCached } from '../http/api-error.ts'
import type { AppEnv, RequestObservation } from '../http/app-env.ts'
import { requestBodyLimit } from '../http/body-limit.ts'
import { observedJson, observeKeys } from '../http/request-observer.ts'
import { htmlPage } from '../http/html-page.ts'
import { bodyKind, readFormField, readJson } from '../http/read-body.ts'
import { localTierUse } from '../http/request-cache-control.ts'
import { queryKey } from '../http/request-key.ts'
import { sameOriginForms } from '../http/same-origin-forms.ts'
import { checkKey, checkValue } from '../http/validation.ts'
import { checkValueSize } from '../http/value-limit.ts'
import { FormPage } from '../views/form-page.tsx'
import { ResultPage } from '../views/result-page.tsx'
import { formFailuresAsPage, refuseFormInput } from './form-input.tsx'
import { foundBody, localHitBody, readMessage, writtenBody } from './seed-messages.ts'

export interface SeedRoutesOptions {
  cache: TieredCache
  maxValueBytes: number
}

/**
 * Most pairs one /set may carry. The body limit alone would let ~100k tiny pairs through, whose
 * concurrent writes took seconds, hundreds of MB, and ended in Redis timeouts (a 5xx).
 */
export const MAX_PAIRS_PER_SET = 1000

/** The `"key": "value"` pairs of a JSON /set body, all checked before anything is written. */
function parsePairs(body: unknown, maxValueBytes: number): [string, string][] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_body', 'The body must be a JSON object of "key": "value" pairs.')
  }
  // Object.entries, not a zod record: JSON.parse makes "__proto__" an own key, and it is a key like any other.
  const pairs = Object.entries(body as Record<string, unknown>)
  if (pairs.length === 0) throw new ApiError(400, 'no_pairs', 'The body must hold at least one "key": "value" pair.')
  if (pairs.length > MAX_PAIRS_PER_SET) {
    throw new ApiError(413, 'too_many_pairs', `The body holds ${pairs.length} pairs; send at most ${MAX_PAIRS_PER_SET} per request.`)
  }
  return pairs.map(([key, value]) => {
    checkKey(key)
    const checked = checkValue(value, key)
    checkValueSize(checked, maxValueBytes)
    return [key, checked]
  })
}

const missingValue = (): never => {
  throw new ApiError(400, 'invalid_value', 'The form has no retrieved_value field; send it (empty for an empty value).')
}

/** Which tier answered a GET /?key=, as GET /v1/keys/:key tells it. */
const FROM_LOCAL = Object.freeze({ 'X-Cache': 'local' })
const FROM_REDIS = Object.freeze({ 'X-Cache': 'redis' })

/** A value as the result page shows it: bytes that are not UTF-8 as base64, said so. */
function shownValue(value: Value): string {
  return typeof value === 'string' ? value : `(not UTF-8 text; ${value.length} bytes, base64) ${value.toString('base64')}`
}

/** The Flask seed's routes, bodies and form field names, kept word for word. */
export function seedRoutes({ cache, maxValueBytes }: SeedRoutesOptions) {
  const limitBody = requestBodyLimit({ maxValueBytes })
  const formsFromThisOrigin = sameOriginForms()

  /** `Cache-Control: only-if-cached`: the local hit's body, or 504 without asking Redis. */
  const cachedOnly = async (observation: RequestObservation, key: string): Promise<Response> => {
    const cached = await cache.readCached(key)
    if (cached === undefined) throw notCached()
    observation.tier = 'local'
    return observedJson(observation, localHitBody(key, cached.value), 200, FROM_LOCAL)
  }

  return new Hono<AppEnv>()
    .get('/', (c): Response | Promise<Response> => {
      const key = queryKey(c)
      if (key === undefined) return htmlPage(c, <FormPage />)
      // A synchronous answer lets Hono skip its promise chain, and one born with its headers needs no Headers object.
      const observation = c.env.observation
      const cacheControl = c.req.header('cache-control')
      const use = cacheControl === undefined ? undefined : localTierUse(cacheControl)
      if (use === 'only') return cachedOnly(observation, key)
      const local = use === 'skip' ? undefined : cache.peekLocal(key)
      if (local !== undefined) {
        observation.tier = 'local'
        return observedJson(observation, localHitBody(key, local.value), 200, FROM_LOCAL)
      }
      return (use === 'skip' ? cache.readFresh(key) : cache.read(key)).then((outcome) => {
        observation.tier = outcome.source ?? 'none'
        if (outcome.value === undefined) return observedJson(observation, { message: readMessage(outcome) }, 404)
        return observedJson(observation, foundBody(outcome), 200, outcome.source === 'local' ? FROM_LOCAL : FROM_REDIS)
      })
    })
    .post('/', formsFromThisOrigin, limitBody, formFailuresAsPage('get_key', ['get_key']), async (c) => {
      if (bodyKind(c) !== 'form') throw new ApiError(415, 'unsupported_media_type', 'Post the Get form as a form (get_key), or use GET /?key=.')
      const typed = await readFormField(c, 'get_key')
      const refused = refuseFormInput(c, { get_key: typed }, { get_key: () => checkKey(typed) })
      if (refused) return refused
      const key = typed!
      const outcome = await cache.read(key)
      Object.assign(c.env.observation, { key, tier: outcome.source ?? 'none' })
      return htmlPage(c, <ResultPage action="get" keyName={key} value={outcome.value === undefined ? undefined : shownValue(outcome.value)} steps={outcome.steps} />, outcome.value === undefined ? 404 : 200)
    })
    .post('/set', formsFromThisOrigin, limitBody, formFailuresAsPage('key_to_save', ['key_to_save', 'retrieved_value']), async (c) => {
      if (bodyKind(c) === 'form') {
        const typedKey = await readFormField(c, 'key_to_save')
        const typedValue = await readFormField(c, 'retrieved_value')
        const refused = refuseFormInput(c, { key_to_save: typedKey, retrieved_value: typedValue }, {
          key_to_save: () => checkKey(typedKey),
          // Absent is not empty: a post without the field must not blank the stored value.
          retrieved_value: () => checkValueSize(checkValue(typedValue ?? missingValue()), maxValueBytes),
        })
        if (refused) return refused
        const key = typedKey!
        c.env.observation.key = key
        const value = typedValue!
        const outcome = await cache.write(key, value)
        return htmlPage(c, <ResultPage action="set" keyName={key} value={value} steps={outcome.steps} created={outcome.created} />)
      }
      const pairs = parsePairs(await readJson(c), maxValueBytes)
      observeKeys(c.env.observation, pairs.map(([key]) => key))
      // Several pairs: all or none, in one atomic step (a key of another type refuses the whole body).
      const outcomes = pairs.length === 1 ? [await cache.write(...pairs[0]!)] : await cache.writeMany(pairs)
      if (outcomes.length === 1) return c.json(writtenBody(outcomes[0]!))
      return c.json({ status: 'successful', results: outcomes.map(writtenBody) })
    })
}

import type { Context, MiddlewareHandler } from 'hono'
import { StoreUnavailableError, WrongTypeError } from '../cache/errors.ts'
import { ApiError } from '../http/api-error.ts'
import type { AppEnv } from '../http/app-env.ts'
import { RETRY_AFTER_SECONDS } from '../http/error-handler.ts'
import { acceptsHtml, htmlPage } from '../http/html-page.ts'
import { bodyKind, readFormField } from '../http/read-body.ts'
import { MAX_KEY_BYTES } from '../http/validation.ts'
import { FormPage, type FormField } from '../views/form-page.tsx'

type FormValues = Partial<Record<FormField, string | undefined>>

/** Words for a person at the form, in place of the API's message. */
export function describeFieldError(field: FormField, typed: string | undefined, error: ApiError): string {
  if (field === 'retrieved_value') return error.code === 'value_too_large' ? `This value is too large to store. ${error.message}` : error.message
  if (typed === undefined || typed === '') return 'Please enter a key; it cannot be empty.'
  if (Buffer.byteLength(typed) > MAX_KEY_BYTES) return `This key is too long: a key can be at most ${MAX_KEY_BYTES} bytes (fewer characters when it holds accents or emoji).`
  return error.message
}

/**
 * Checks each posted field. A browser gets the form back with each message next to its field and
 * the error's 4xx status; any other client gets the contract's JSON error (thrown to `app.onError`).
 */
export function refuseFormInput(c: Context, values: FormValues, checks: Partial<Record<FormField, () => unknown>>): Response | Promise<Response> | undefined {
  const errors: Partial<Record<FormField, string>> = {}
  let first: ApiError | undefined
  for (const [field, check] of Object.entries(checks) as [FormField, () => unknown][]) {
    try {
      check()
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      first ??= error
      errors[field] = describeFieldError(field, values[field], error)
    }
  }
  if (!first) return undefined
  if (!acceptsHtml(c)) throw first
  const typed = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<Record<FormField, string>>
  return htmlPage(c, <FormPage errors={errors} values={typed} />, first.status)
}

const WRONG_TYPE_WORDS = 'This key holds another kind of Redis value (a list, a hash…); the form reads and writes text only. Choose another key.'
const UNAVAILABLE_WORDS = 'Redis is not answering right now, so this could not be done. Please try again in a moment.'

/** The fields a form post carried, for the page to show them again; undefined when they cannot be read. */
async function typedValues(c: Context, fields: readonly FormField[]): Promise<Partial<Record<FormField, string>>> {
  const values: Partial<Record<FormField, string>> = {}
  for (const field of fields) {
    try {
      const value = await readFormField(c, field)
      if (value !== undefined) values[field] = value
    } catch {
      // A field that does not read has already been refused by its own check.
    }
  }
  return values
}

/**
 * A browser's form post that fails on Redis (409: the key holds another type; 503: Redis does not
 * answer) gets the form back with the message, as a bad field does; other clients keep the JSON.
 * Runs after `app.onError` has made the JSON answer, and replaces it.
 */
export function formFailuresAsPage(keyField: FormField, fields: readonly FormField[]): MiddlewareHandler<AppEnv> {
  return async function formFailuresAsPage(c, next) {
    await next()
    const error = c.error
    if (!(error instanceof WrongTypeError || error instanceof StoreUnavailableError) || !acceptsHtml(c)) return
    try {
      if (bodyKind(c) !== 'form') return
    } catch {
      return
    }
    const values = await typedValues(c, fields)
    c.res = undefined
    if (error instanceof WrongTypeError) {
      c.res = await htmlPage(c, <FormPage errors={{ [keyField]: WRONG_TYPE_WORDS }} values={values} />, 409)
      return
    }
    c.res = await htmlPage(c, <FormPage notice={UNAVAILABLE_WORDS} values={values} />, 503)
    c.res.headers.set('Retry-After', RETRY_AFTER_SECONDS)
  }
}

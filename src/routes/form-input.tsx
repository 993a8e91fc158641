import type { Context } from 'hono'
import { ApiError } from '../http/api-error.ts'
import { acceptsHtml, htmlPage } from '../http/html-page.ts'
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

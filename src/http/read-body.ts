import type { Context } from 'hono'
import { ApiError } from './api-error.ts'
import type { ErrorCode } from './error-codes.ts'
import { readBodyChecked } from './bounded-body.ts'
import { formFieldBound, multipartFields, urlEncodedFields, type FormField } from './form-fields.ts'
import { checkedJsonText, JsonWorkBound, strictUtf8Text } from './json-text.ts'

export type BodyKind = 'json' | 'form'

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
}

const isJsonType = (type: string) => type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))

/** Tells JSON from a form post by Content-Type; anything else is a 415. */
export function bodyKind(c: Context): BodyKind {
  const type = mediaType(c)
  if (isJsonType(type)) return 'json'
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') return 'form'
  throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json (or as a form post from the page).')
}

/** Throws the contract's 415 unless the body is declared as JSON. */
export function requireJson(c: Context): void {
  if (isJsonType(mediaType(c))) return
  throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.')
}

/**
 * The JSON body's text, its parsing bounded and its bytes valid UTF-8 (else the contract's 4xx), left
 * in Hono's body cache so that `c.req.json()` (zValidator) parses this text and nothing else.
 */
export async function readJsonText(c: Context): Promise<string> {
  const bound = new JsonWorkBound()
  const text = checkedJsonText(await readBodyChecked(c, (chunk) => bound.feed(chunk)))
  // Hono keeps promises in its body cache although its type names the plain bodies.
  c.req.bodyCache.text = Promise.resolve(text) as unknown as string
  return text
}

/** The parsed JSON body, or the contract's 400 when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await readJsonText(c)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.', { cause: error })
  }
}

/** The code of a form field that is not valid UTF-8: the forms' key fields are keys, the rest values. */
const INVALID_FIELD_CODE: Record<string, ErrorCode> = { get_key: 'invalid_key', key_to_save: 'invalid_key', retrieved_value: 'invalid_value' }

/** Each request's form, parsed once however many of its fields are read. */
const forms = new WeakMap<object, Promise<Map<string, FormField>>>()

async function parsedForm(c: Context): Promise<Map<string, FormField>> {
  const type = c.req.header('content-type') ?? ''
  const body = await readBodyChecked(c, formFieldBound(type))
  return mediaType(c) === 'multipart/form-data' ? multipartFields(body, type) : urlEncodedFields(body)
}

/**
 * A single text field of a form post, or undefined when absent. A body that does not parse as a
 * form is a 400, one of too many fields a 413, a field whose percent-decoded bytes are not UTF-8 a
 * 400 (`invalid_key` or `invalid_value`), not U+FFFD: different bytes must not land on one key.
 */
export async function readFormField(c: Context, name: string): Promise<string | undefined> {
  let form = forms.get(c.req)
  if (form === undefined) {
    form = parsedForm(c)
    forms.set(c.req, form)
  }
  const field = (await form).get(name)
  if (field === undefined) return undefined
  if (!(field instanceof Uint8Array)) throw new ApiError(400, 'invalid_form', `The form field ${name} must be text, not a file.`)
  const text = strictUtf8Text(field)
  if (text === undefined) throw new ApiError(400, INVALID_FIELD_CODE[name] ?? 'invalid_form', `The form field ${name} is not valid UTF-8 once percent-decoded.`)
  return text
}

import type { Context } from 'hono'
import { ApiError } from './api-error.ts'

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

/** The parsed JSON body, or the contract's 400 when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.', { cause: error })
  }
}

/** A single text field of a form post, or undefined when absent; a body that does not parse as a form is a 400. */
export async function readFormField(c: Context, name: string): Promise<string | undefined> {
  let form: Record<string, string | File>
  try {
    form = await c.req.parseBody()
  } catch (error) {
    throw new ApiError(400, 'invalid_form', 'The body is not a well-formed form post.', { cause: error })
  }
  const value = form[name]
  if (value !== undefined && typeof value !== 'string') throw new ApiError(400, 'invalid_form', `The form field ${name} must be text, not a file.`)
  return value
}

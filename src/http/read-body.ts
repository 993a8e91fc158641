import type { Context } from 'hono'
import { ApiError } from './api-error.ts'

export type BodyKind = 'json' | 'form'

/** Tells JSON from a form post by Content-Type; anything else is a 415. */
export function bodyKind(c: Context): BodyKind {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type.endsWith('+json')) return 'json'
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') return 'form'
  throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json (or as a form post from the page).')
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

/** A single text field of a form post, or undefined when absent. */
export async function readFormField(c: Context, name: string): Promise<string | undefined> {
  const form = await c.req.parseBody()
  const value = form[name]
  return typeof value === 'string' ? value : undefined
}

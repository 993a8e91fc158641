import type { Context } from 'hono'
import { bytesOf, valueFromBytes, type Value } from '../cache/value.ts'
import { ApiError } from './api-error.ts'

/** A value in a JSON body: its text, or base64 of its bytes when they are not UTF-8 (JSON strings cannot hold them). */
export type EncodedValue = { value: string } | { value: string; encoding: 'base64' }

export function encodedValue(value: Value): EncodedValue {
  return typeof value === 'string' ? { value } : { value: value.toString('base64'), encoding: 'base64' }
}

/** Standard base64, padded: Buffer.from alone would skip characters it does not know and decode garbage. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The value a JSON body sent, as text or, with `"encoding":"base64"`, as the bytes it encodes. */
export function decodedValue(value: string, encoding: 'utf8' | 'base64' | undefined): Value {
  if (encoding !== 'base64') return value
  if (!BASE64.test(value)) throw new ApiError(400, 'invalid_value', 'The value is not valid base64 (standard alphabet, padded).')
  return valueFromBytes(Buffer.from(value, 'base64'))
}

/** True when the request asks for the value's raw bytes rather than JSON. */
export function wantsBytes(c: Context): boolean {
  const accept = c.req.header('accept')
  return accept !== undefined && accept.includes('application/octet-stream') && !accept.includes('application/json')
}

/** True when the body is the value's raw bytes. */
export function sendsBytes(c: Context): boolean {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase() === 'application/octet-stream'
}

/** The value's raw bytes as an answer; security headers and the request id are added around fetch. */
export function bytesAnswer(value: Value, headers: Record<string, string>): Response {
  // Buffers from Redis or a body sit on a plain ArrayBuffer, never a shared one.
  return new Response(bytesOf(value) as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': 'application/octet-stream', ...headers } })
}

import { ApiError } from './api-error.ts'
import { strictUtf8Text } from './json-text.ts'

/**
 * Most fields a form post may hold. The runtime's own parser took 1.2–1.8 s of CPU for ~540k empty
 * fields (they fit the body limit) and held every other request back; the forms send three.
 */
export const MAX_FORM_FIELDS = 1000

/** A posted field: its raw bytes (decoded as UTF-8 only when read, strictly), or a file upload. */
export type FormField = Uint8Array | { file: true }

const AMPERSAND = 0x26

const tooManyFields = () => new ApiError(413, 'too_many_pairs', `The form holds more than ${MAX_FORM_FIELDS} fields.`)
const malformed = (why: string) => new ApiError(400, 'invalid_form', `The body is not a well-formed form post: ${why}.`)

/** How often `needle` occurs in `bytes`, refusing the body as soon as it passes `max`. */
function countAtMost(bytes: Buffer, needle: number | Buffer, max: number): number {
  let count = 0
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
    if (++count > max) throw tooManyFields()
  }
  return count
}

const hexValue = (byte: number): number => (byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x41 && byte <= 0x46 ? byte - 0x37 : byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1)

/** WHATWG percent-decoding of one name or value (`+` is a space; a `%` without two hex digits stays as it is). */
function percentDecoded(bytes: Buffer): Buffer {
  if (bytes.indexOf(0x25) === -1 && bytes.indexOf(0x2b) === -1) return bytes
  const out = Buffer.allocUnsafe(bytes.length)
  let length = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    const high = byte === 0x25 ? hexValue(bytes[i + 1] ?? -1) : -1
    const low = high === -1 ? -1 : hexValue(bytes[i + 2] ?? -1)
    if (low !== -1) {
      out[length++] = high * 16 + low
      i += 2
    } else out[length++] = byte === 0x2b ? 0x20 : byte
  }
  return out.subarray(0, length)
}

/** The fields of an `application/x-www-form-urlencoded` body; the last of a repeated name wins, as in Hono's parseBody. */
export function urlEncodedFields(body: Buffer): Map<string, FormField> {
  countAtMost(body, AMPERSAND, MAX_FORM_FIELDS - 1)
  const fields = new Map<string, FormField>()
  let start = 0
  while (start <= body.length) {
    const end = body.indexOf(AMPERSAND, start)
    const field = body.subarray(start, end === -1 ? body.length : end)
    start = end === -1 ? body.length + 1 : end + 1
    if (field.length === 0) continue
    const equals = field.indexOf(0x3d)
    // A name that is not UTF-8 cannot be one of ours: such a field is ignored.
    const name = strictUtf8Text(percentDecoded(equals === -1 ? field : field.subarray(0, equals)))
    if (name !== undefined) fields.set(name, percentDecoded(equals === -1 ? Buffer.alloc(0) : field.subarray(equals + 1)))
  }
  return fields
}

/**
 * Counts a form body's fields as its chunks arrive (`&` separators, or multipart delimiters, which
 * may straddle two chunks) and refuses it once it holds more than MAX_FORM_FIELDS.
 */
export function formFieldBound(contentType: string): (chunk: Uint8Array) => void {
  const boundary = multipartBoundary(contentType)
  const needle = boundary === undefined ? Buffer.from('&') : Buffer.from(`--${boundary}`)
  const max = boundary === undefined ? MAX_FORM_FIELDS - 1 : MAX_FORM_FIELDS + 1
  let seen = 0
  let tail: Buffer = Buffer.alloc(0)
  return function countFields(chunk) {
    const bytes = tail.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([tail, chunk])
    seen += countAtMost(bytes, needle.length === 1 ? needle[0]! : needle, max - seen)
    // A delimiter cut by the chunk's end is completed by the next; one whole in the tail is counted already.
    tail = needle.length === 1 ? tail : bytes.subarray(Math.max(0, bytes.length - needle.length + 1))
  }
}

/** The boundary of a multipart Content-Type, or undefined (then it is not one, or a malformed one). */
function multipartBoundary(contentType: string): string | undefined {
  if (!/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return match ? (match[1] ?? match[2]) : undefined
}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')

/** The fields of a `multipart/form-data` body, with the parts counted before any is read. */
export function multipartFields(body: Buffer, contentType: string): Map<string, FormField> {
  const boundary = multipartBoundary(contentType)
  if (boundary === undefined) throw malformed('no boundary in its Content-Type')
  const delimiter = Buffer.from(`--${boundary}`)
  countAtMost(body, delimiter, MAX_FORM_FIELDS + 1)
  const fields = new Map<string, FormField>()
  let at = body.indexOf(delimiter)
  if (at === -1) throw malformed('no part')
  for (;;) {
    at += delimiter.length
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return fields // the closing delimiter
    if (!body.subarray(at, at + 2).equals(CRLF)) throw malformed('a delimiter without its line end')
    const headersEnd = body.indexOf(HEADER_END, at)
    if (headersEnd === -1) throw malformed('a part without the blank line after its headers')
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headersEnd)
    if (next === -1) throw malformed('a part without the delimiter after it')
    const headers = strictUtf8Text(body.subarray(at + 2, headersEnd)) ?? ''
    const disposition = /^content-disposition:[^\r\n]*$/im.exec(headers)?.[0] ?? ''
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1]
    if (name !== undefined) fields.set(name, /;\s*filename\*?=/i.test(disposition) ? { file: true } : body.subarray(headersEnd + 4, next))
    at = next + CRLF.length
  }
}

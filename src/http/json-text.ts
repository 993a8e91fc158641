import { ApiError } from './api-error.ts'

/**
 * Most members (object pairs and array items, at any depth) a JSON body may hold before it is
 * parsed. JSON.parse of ~300k tiny pairs, which fit the body limit, took 0.4–0.9 s of CPU and held
 * every other request back; counting commas first costs a few milliseconds. Above every route's own
 * limit (1000 pairs or keys), so that those limits still answer with their precise message.
 */
export const MAX_JSON_MEMBERS = 4096

/** Deepest nesting accepted: no route takes more than three levels, and deep nesting costs the parser stack. */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

/** The index of the quote that closes the string opened before `from`, or -1. */
function closingQuote(bytes: Uint8Array, from: number): number {
  let at = bytes.indexOf(QUOTE, from)
  while (at !== -1) {
    let backslashes = 0
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return at
    at = bytes.indexOf(QUOTE, at + 1)
  }
  return -1
}

/**
 * Refuses, without parsing, a body that would cost the parser more than any route can use: more
 * than MAX_JSON_MEMBERS members or deeper than MAX_JSON_DEPTH. UTF-8 never puts a byte below 0x80
 * inside a multi-byte character, so the structure can be read from the bytes.
 */
export function boundJsonWork(bytes: Uint8Array): void {
  let separators = 0
  let depth = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte === QUOTE) {
      const end = closingQuote(bytes, i + 1)
      if (end === -1) return // an unterminated string: the parser refuses it at once
      i = end
    } else if (byte === COMMA) {
      if (++separators >= MAX_JSON_MEMBERS) {
        throw new ApiError(413, 'too_many_pairs', `The body holds more than ${MAX_JSON_MEMBERS} JSON members; send at most 1000 pairs per request.`)
      }
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw new ApiError(400, 'invalid_json', `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`)
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Bytes as text, refusing invalid UTF-8 instead of turning it into U+FFFD (two byte sequences would become one key). */
export function strictUtf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** A JSON body's text once its parsing is known to be cheap and its bytes valid UTF-8; the contract's 4xx otherwise. */
export function checkedJsonText(bytes: Uint8Array): string {
  boundJsonWork(bytes)
  const text = strictUtf8Text(bytes)
  if (text === undefined) throw new ApiError(400, 'invalid_json', 'The body is not valid UTF-8 (JSON must be UTF-8; send other bytes as base64 or application/octet-stream).')
  return text
}

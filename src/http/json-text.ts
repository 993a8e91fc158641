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

/**
 * Counts a JSON body's members and depth as its chunks arrive and refuses it as soon as parsing it
 * would cost more than any route can use (more than MAX_JSON_MEMBERS members or deeper than
 * MAX_JSON_DEPTH): a hostile body is refused after its first few kilobytes, unread beyond them.
 * UTF-8 never puts a byte below 0x80 inside a multi-byte character, so bytes show the structure.
 */
export class JsonWorkBound {
  private inString = false
  private escaped = false
  private depth = 0
  private separators = 0

  feed(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (byte === BACKSLASH) this.escaped = true
        else if (byte === QUOTE) this.inString = false
      } else if (byte === QUOTE) {
        this.inString = true
      } else if (byte === COMMA) {
        if (++this.separators >= MAX_JSON_MEMBERS) {
          throw new ApiError(413, 'too_many_pairs', `The body holds more than ${MAX_JSON_MEMBERS} JSON members; send at most 1000 pairs per request.`)
        }
      } else if (byte === 0x7b || byte === 0x5b) {
        if (++this.depth > MAX_JSON_DEPTH) throw new ApiError(400, 'invalid_json', `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`)
      } else if (byte === 0x7d || byte === 0x5d) {
        this.depth--
      }
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

/** A JSON body's text once its bytes are known to be valid UTF-8; the contract's 400 otherwise. */
export function checkedJsonText(bytes: Uint8Array): string {
  const text = strictUtf8Text(bytes)
  if (text === undefined) throw new ApiError(400, 'invalid_json', 'The body is not valid UTF-8 (JSON must be UTF-8; send other bytes as base64 or application/octet-stream).')
  return text
}

import { isUtf8 } from 'node:buffer'

/**
 * A stored value, as Redis holds it: any bytes. Kept as a string when the bytes are valid UTF-8
 * (nearly every value: strings are what JSON clients send, and cost the memory tier least), as the
 * bytes themselves only when they are not. So one byte sequence has one form, and two values are
 * the same exactly when their forms are equal.
 */
export type Value = string | Buffer

/** The value of these bytes in its one form: their text when they are valid UTF-8. */
export function valueFromBytes(bytes: Buffer): Value {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes
}

export function isText(value: Value): value is string {
  return typeof value === 'string'
}

/** The value's bytes (a string's UTF-8 encoding). */
export function bytesOf(value: Value): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value
}

export function byteLengthOf(value: Value): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length
}

/** True when both hold the same bytes. */
export function sameValue(a: Value, b: Value): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return a.equals(b)
}

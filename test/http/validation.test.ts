import { describe, expect, test } from 'bun:test'
import { ApiError } from '../../src/http/api-error.ts'
import { checkKey } from '../../src/http/validation.ts'

const rejected = (key: unknown) => {
  try {
    checkKey(key)
    return false
  } catch (error) {
    return error instanceof ApiError && error.status === 400
  }
}

describe('checkKey', () => {
  test('accepts up to 1024 UTF-8 bytes, whatever the characters, on both sides of the short-key shortcut', () => {
    for (const key of ['k', 'k'.repeat(341), 'k'.repeat(1024), '€'.repeat(341), '😀'.repeat(256), 'a\u0000b c/d']) {
      expect(checkKey(key)).toBe(key)
    }
  })

  test('refuses empty, non-string and over-long keys, counted in UTF-8 bytes', () => {
    for (const key of ['', 'k'.repeat(1025), '€'.repeat(342), '😀'.repeat(257), 'lone \uD800 surrogate', 42, undefined]) {
      expect(rejected(key)).toBe(true)
    }
  })
})

import { describe, expect, test } from 'bun:test'
import { formFieldBound, MAX_FORM_FIELDS, multipartFields, urlEncodedFields } from '../../src/http/form-fields.ts'
import { JsonWorkBound, MAX_JSON_DEPTH, MAX_JSON_MEMBERS } from '../../src/http/json-text.ts'

/** Feeds `text` in chunks of `size` bytes; true when every chunk was accepted. */
function accepts(feed: (chunk: Uint8Array) => void, text: string, size: number): boolean {
  const bytes = Buffer.from(text)
  try {
    for (let at = 0; at < bytes.length; at += size) feed(bytes.subarray(at, at + size))
    return true
  } catch {
    return false
  }
}

const members = (count: number) => `{${Array.from({ length: count }, (_, i) => `"k${i}":"v"`).join(',')}}`

describe('JsonWorkBound, whatever the chunking', () => {
  for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
    test(`chunks of ${size} bytes`, () => {
      expect(accepts((c) => new JsonWorkBound().feed(c), '{}', size)).toBe(true)
      const bound = () => {
        const b = new JsonWorkBound()
        return (chunk: Uint8Array) => b.feed(chunk)
      }
      expect(accepts(bound(), members(MAX_JSON_MEMBERS), size)).toBe(true)
      expect(accepts(bound(), members(MAX_JSON_MEMBERS + 1), size)).toBe(false)
      // Commas, brackets and escaped quotes inside strings are text, not structure.
      const text = JSON.stringify({ v: `${',[{"\\'.repeat(MAX_JSON_MEMBERS * 2)}\\` })
      expect(accepts(bound(), text, size)).toBe(true)
      expect(accepts(bound(), `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`, size)).toBe(true)
      expect(accepts(bound(), `${'['.repeat(MAX_JSON_DEPTH + 1)}`, size)).toBe(false)
    })
  }
})

describe('formFieldBound, whatever the chunking', () => {
  const multipart = (count: number) => `${Array.from({ length: count }, (_, i) => `--bnd\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('')}--bnd--\r\n`
  for (const size of [1, 3, 4, 5, 1000, 1 << 20]) {
    test(`chunks of ${size} bytes`, () => {
      const urlEncoded = (count: number) => Array.from({ length: count }, (_, i) => `f${i}=v`).join('&')
      expect(accepts(formFieldBound('application/x-www-form-urlencoded'), urlEncoded(MAX_FORM_FIELDS), size)).toBe(true)
      expect(accepts(formFieldBound('application/x-www-form-urlencoded'), urlEncoded(MAX_FORM_FIELDS + 1), size)).toBe(false)
      // A delimiter straddling two chunks is counted once.
      expect(accepts(formFieldBound('multipart/form-data; boundary=bnd'), multipart(MAX_FORM_FIELDS), size)).toBe(true)
      expect(accepts(formFieldBound('multipart/form-data; boundary=bnd'), multipart(MAX_FORM_FIELDS + 1), size)).toBe(false)
    })
  }

  test('the parsers agree with the browsers: last value wins, + is a space, a stray % stays', () => {
    const fields = urlEncodedFields(Buffer.from('a=1&a=2&b=x+y%2By&c=%&d=%4&%66=z&&e'))
    const text = (name: string) => Buffer.from(fields.get(name) as Uint8Array).toString()
    expect([text('a'), text('b'), text('c'), text('d'), text('e'), text('f')]).toEqual(['2', 'x y+y', '%', '%4', '', 'z'])
    const parts = multipartFields(Buffer.from(multipart(2)), 'multipart/form-data; boundary="bnd"')
    expect([...parts.keys()]).toEqual(['f0', 'f1'])
  })
})

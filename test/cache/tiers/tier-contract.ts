import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { bytesOf, valueFromBytes, type Value } from '../../../src/cache/value.ts'

/** The operations every store offers, whatever its driver: the subject of the shared contract suite. */
export interface ContractStore {
  get(key: string): Promise<Value | undefined>
  set(key: string, value: Value, ttlSeconds?: number): Promise<void>
  delete(key: string): Promise<void>
  /** Local tiers only: drops every entry of ours (Redis, the truth, has no such operation). */
  clear?(): Promise<void>
  ping(): Promise<void>
}

export const EXOTIC_KEYS = [
  'plain',
  'with space',
  'line\nbreak',
  'tab\tand\x00nul\x7f',
  'slash/and%25percent',
  `"quotes" and 'single'`,
  'emoji 🚀🔥',
  'ünïcødé ключ 鍵',
  '#looks-hashed',
  'k'.repeat(1024),
  'é'.repeat(512),
]

/** One suite, run against every store: memory, memcached and Redis behave alike. */
/**
 * What a driver's setup gives the suite. `advance` moves the store's clock (ms) where it can take an
 * injected one; a store with a real clock only (Memcached counts expiry in whole seconds on its own
 * clock) leaves it out, and the suite waits instead.
 */
export interface ContractSetup {
  store: ContractStore
  close: () => Promise<void>
  advance?: (ms: number) => void
}

export function tierContract(name: string, setup: () => Promise<ContractSetup>) {
  describe(`${name} store contract`, () => {
    let store: ContractStore
    let close: () => Promise<void>
    let advance: ((ms: number) => void) | undefined
    const prefix = `${name}:${Date.now()}:`

    beforeAll(async () => {
      ;({ store, close, advance } = await setup())
    })
    afterAll(() => close())

    test('a missing key reads as undefined', async () => {
      expect(await store.get(`${prefix}missing`)).toBeUndefined()
    })

    test('set then get returns the value, overwrite replaces it', async () => {
      await store.set(`${prefix}a`, 'one')
      expect(await store.get(`${prefix}a`)).toBe('one')
      await store.set(`${prefix}a`, 'two')
      expect(await store.get(`${prefix}a`)).toBe('two')
    })

    test('an empty string is a value', async () => {
      await store.set(`${prefix}empty`, '')
      expect(await store.get(`${prefix}empty`)).toBe('')
    })

    test('delete removes the key', async () => {
      await store.set(`${prefix}gone`, 'x')
      await store.delete(`${prefix}gone`)
      expect(await store.get(`${prefix}gone`)).toBeUndefined()
    })

    test('exotic keys round-trip without colliding', async () => {
      for (const [index, key] of EXOTIC_KEYS.entries()) await store.set(key, `value ${index} ✓`)
      for (const [index, key] of EXOTIC_KEYS.entries()) expect(await store.get(key)).toBe(`value ${index} ✓`)
    })

    test('values keep every character', async () => {
      const value = 'line1\nline2\t"quoted" <b>markup</b> 🚀 \u0000 end'
      await store.set(`${prefix}rich`, value)
      expect(await store.get(`${prefix}rich`)).toBe(value)
    })

    test('a per-key expiry is honoured', async () => {
      await store.set(`${prefix}short`, 'x', 1)
      expect(await store.get(`${prefix}short`)).toBe('x')
      if (advance) {
        advance(2100)
        expect(await store.get(`${prefix}short`)).toBeUndefined()
        return
      }
      // A server's own clock (Memcached ticks whole seconds): the copy must be gone by then, and is
      // looked for until it is, rather than after a fixed sleep (on average half a second, not 2.1).
      const deadline = performance.now() + 2100
      while ((await store.get(`${prefix}short`)) !== undefined && performance.now() < deadline) await Bun.sleep(25)
      expect(await store.get(`${prefix}short`)).toBeUndefined()
    })

    test('every byte sequence round-trips, the empty one included, in its one form', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (array) => {
          const bytes = Buffer.from(array)
          const key = `${prefix}bytes`
          await store.set(key, valueFromBytes(bytes))
          const read = await store.get(key)
          expect(read).toBeDefined()
          expect(bytesOf(read!).equals(bytes)).toBe(true)
          // Text comes back as a string, other bytes as bytes: one form per byte sequence.
          expect(typeof read).toBe(typeof valueFromBytes(bytes))
        }),
        { numRuns: 200 },
      )
    })

    test('bytes that are not UTF-8 stay exact, not U+FFFD', async () => {
      const bytes = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80])
      await store.set(`${prefix}raw`, bytes)
      expect(Buffer.compare((await store.get(`${prefix}raw`)) as Buffer, bytes)).toBe(0)
    })

    test('ping answers', async () => {
      await store.ping()
    })

    test('clear drops every entry, exotic keys too, and the store takes new ones at once', async () => {
      if (!store.clear) return expect(name).toBe('redis')
      await store.set(`${prefix}c1`, 'one')
      for (const key of EXOTIC_KEYS) await store.set(key, 'before clear')
      await store.clear()
      expect(await store.get(`${prefix}c1`)).toBeUndefined()
      for (const key of EXOTIC_KEYS) expect(await store.get(key)).toBeUndefined()
      await store.set(`${prefix}c1`, 'after')
      expect(await store.get(`${prefix}c1`)).toBe('after')
      await store.clear()
      expect(await store.get(`${prefix}c1`)).toBeUndefined()
    })
  })
}

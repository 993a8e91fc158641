import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { SieveCache } from '../../src/cache/sieve-cache.ts'

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/**
 * SIEVE as the paper writes it: a queue, newest at the head, and a hand that walks from the tail
 * towards the head (wrapping) clearing marks until it finds an unmarked entry to evict. Slow and
 * obvious, to check SieveCache against; no expiry (the property runs with long TTLs).
 */
class ReferenceSieve {
  /** Oldest first: index 0 is the tail. */
  private queue: { key: string; value: string; visited: boolean }[] = []
  private hand = 0

  constructor(private readonly capacity: number) {}

  get(key: string): string | undefined {
    const entry = this.queue.find((e) => e.key === key)
    if (entry) entry.visited = true
    return entry?.value
  }

  set(key: string, value: string): void {
    const entry = this.queue.find((e) => e.key === key)
    if (entry) {
      entry.value = value
      entry.visited = true
      return
    }
    if (this.queue.length >= this.capacity) {
      for (;;) {
        if (this.hand >= this.queue.length) this.hand = 0
        const candidate = this.queue[this.hand]!
        if (!candidate.visited) {
          this.queue.splice(this.hand, 1)
          break
        }
        candidate.visited = false
        this.hand++
      }
    }
    this.queue.push({ key, value, visited: false })
  }

  delete(key: string): void {
    const at = this.queue.findIndex((e) => e.key === key)
    if (at === -1) return
    this.queue.splice(at, 1)
    if (at < this.hand) this.hand--
  }

  keys(): string[] {
    return this.queue.map((e) => e.key).sort()
  }
}

describe('SieveCache', () => {
  test('when full, evicts the oldest key not read since the hand passed; read keys stay', () => {
    const cache = new SieveCache(3)
    cache.set('a', '1', 60_000)
    cache.set('b', '2', 60_000)
    cache.set('c', '3', 60_000)
    expect(cache.get('a')).toBe('1')
    cache.set('d', '4', 60_000) // the hand passes a (read: kept, unmarked), evicts b
    expect(cache.size).toBe(3)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBe('1')
    cache.set('e', '5', 60_000) // the hand goes on from b's place: c was never read
    expect(cache.get('c')).toBeUndefined()
    expect([cache.get('a'), cache.get('d'), cache.get('e')]).toEqual(['1', '4', '5'])
  })

  test('every key read: one pass clears the marks, then the oldest goes', () => {
    const cache = new SieveCache(2)
    cache.set('a', '1', 60_000)
    cache.set('b', '2', 60_000)
    cache.get('a')
    cache.get('b')
    cache.set('c', '3', 60_000)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('b')).toBe('2')
    expect(cache.get('c')).toBe('3')
  })

  test('an entry expires at its own TTL: not served, and dropped', () => {
    const clock = manualClock()
    const cache = new SieveCache(10, clock.now)
    cache.set('short', 's', 100)
    cache.set('long', 'l', 10_000)
    clock.advance(99)
    expect(cache.get('short')).toBe('s')
    clock.advance(1)
    expect(cache.get('short')).toBeUndefined()
    expect(cache.size).toBe(1)
    expect(cache.get('long')).toBe('l')
  })

  test('an expired entry is evicted before an unexpired one, even if it was read', () => {
    const clock = manualClock()
    const cache = new SieveCache(2, clock.now)
    cache.set('old', 'o', 10)
    cache.set('young', 'y', 10_000)
    cache.get('old')
    clock.advance(50)
    cache.set('new', 'n', 10_000)
    expect(cache.get('young')).toBe('y')
    expect(cache.get('new')).toBe('n')
    expect(cache.size).toBe(2)
  })

  test('setting a held key replaces its value and TTL in place', () => {
    const clock = manualClock()
    const cache = new SieveCache(2, clock.now)
    cache.set('k', 'first', 10)
    cache.set('k', 'second', 1_000)
    clock.advance(500)
    expect(cache.get('k')).toBe('second')
    expect(cache.size).toBe(1)
  })

  test('delete and clear; the hand survives both', () => {
    const cache = new SieveCache(2)
    cache.set('a', '1', 60_000)
    cache.set('b', '2', 60_000)
    cache.set('c', '3', 60_000) // the hand now stands after a
    expect(cache.delete('b')).toBe(true)
    expect(cache.delete('b')).toBe(false)
    cache.set('d', '4', 60_000)
    cache.set('e', '5', 60_000)
    expect(cache.size).toBe(2)
    cache.clear()
    expect(cache.size).toBe(0)
    cache.set('f', '6', 60_000)
    cache.set('g', '7', 60_000)
    cache.set('h', '8', 60_000)
    expect(cache.size).toBe(2)
  })

  test('refuses a capacity that cannot hold a key', () => {
    expect(() => new SieveCache(0)).toThrow(RangeError)
    expect(() => new SieveCache(1.5)).toThrow(RangeError)
  })

  test('property: holds the same keys and values as the reference SIEVE after any operations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), value: fc.string({ maxLength: 3 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const cache = new SieveCache(capacity)
        const reference = new ReferenceSieve(capacity)
        for (const step of ops) {
          const key = `k${step.key}`
          if (step.kind === 'set') {
            cache.set(key, step.value, 3_600_000)
            reference.set(key, step.value)
          } else if (step.kind === 'get') {
            expect(cache.get(key)).toBe(reference.get(key))
          } else {
            cache.delete(key)
            reference.delete(key)
          }
          expect(cache.size).toBeLessThanOrEqual(capacity)
        }
        const held = reference.keys()
        expect(cache.size).toBe(held.length)
        for (const key of held) expect(cache.get(key)).toBe(reference.get(key))
      }),
      { numRuns: 500 },
    )
  })
})

import { describe, expect, test } from 'bun:test'
import { MemoryTier } from '../../../src/cache/tiers/memory-tier.ts'
import { ManualClock } from '../../harness/manual-clock.ts'
import { tierContract } from './tier-contract.ts'

/** A manual clock past 0 (lru-cache takes a start time of 0 as "no expiry"). */
function startedClock(): ManualClock {
  const clock = new ManualClock()
  clock.advance(1000)
  return clock
}

tierContract('memory', async () => {
  const clock = startedClock()
  const tier = new MemoryTier({ capacity: 1000, ttlSeconds: 300, now: () => clock.now() })
  return { store: tier, close: () => tier.close(), advance: (ms) => clock.advance(ms) }
})

describe('MemoryTier', () => {
  test('holds at most its capacity, evicting the least recently read key', async () => {
    const tier = new MemoryTier({ capacity: 3, ttlSeconds: 300 })
    await tier.set('a', '1')
    await tier.set('b', '2')
    await tier.set('c', '3')
    expect(await tier.get('a')).toBe('1') // a is now the most recently read
    await tier.set('d', '4')
    expect(tier.size).toBe(3)
    expect(await tier.get('b')).toBeUndefined()
    expect(await tier.get('a')).toBe('1')
    expect(await tier.get('c')).toBe('3')
    expect(await tier.get('d')).toBe('4')
  })

  test('holds at most maxBytes, evicting the least recently read key first', async () => {
    const value = 'v'.repeat(10_000)
    // Room for three of these entries (key, value, tag and overhead), not four.
    const tier = new MemoryTier({ capacity: 1000, ttlSeconds: 300, maxBytes: 35_000 })
    await tier.set('a', value)
    await tier.set('b', value)
    await tier.set('c', value)
    expect(tier.size).toBe(3)
    expect(tier.bytes).toBeGreaterThan(30_000)
    expect(await tier.get('a')).toBe(value) // a is now the most recently read
    await tier.set('d', value)
    expect(tier.bytes).toBeLessThanOrEqual(35_000)
    expect(await tier.get('b')).toBeUndefined()
    for (const key of ['a', 'c', 'd']) expect(await tier.get(key)).toBe(value)
  })

  test('the budget counts every byte: many distinct large values never sum past it', async () => {
    const budget = 1024 * 1024
    const tier = new MemoryTier({ capacity: 10_000, ttlSeconds: 300, maxBytes: budget })
    let stored = 0
    for (let i = 0; i < 200; i++) {
      // Text of two-byte characters, raw bytes and Latin-1 text, of various sizes.
      const value = i % 3 === 0 ? 'é€'.repeat(5_000 + i) : i % 3 === 1 ? Buffer.alloc(20_000 + i, 0xff) : 'x'.repeat(30_000 + i)
      await tier.set(`key-${i}`, value)
      stored += typeof value === 'string' ? Buffer.byteLength(value) : value.length
    }
    expect(stored).toBeGreaterThan(4 * budget)
    expect(tier.bytes).toBeLessThanOrEqual(budget)
    let held = 0
    for (let i = 0; i < 200; i++) {
      const value = await tier.get(`key-${i}`)
      if (value !== undefined) held += typeof value === 'string' ? value.length * (/[\u0100-\uffff]/.test(value) ? 2 : 1) : value.length
    }
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThanOrEqual(budget)
  })

  test('a value larger than the whole budget is not cached, and the older copy goes', async () => {
    const tier = new MemoryTier({ capacity: 10, ttlSeconds: 300, maxBytes: 4096 })
    await tier.set('k', 'small')
    await tier.set('other', 'kept')
    await tier.set('k', 'x'.repeat(5000))
    expect(await tier.get('k')).toBeUndefined()
    expect(tier.peek('k')).toBeUndefined()
    expect(await tier.get('other')).toBe('kept')
  })

  test('the global expiry bounds a longer per-key one', async () => {
    const clock = startedClock()
    const tier = new MemoryTier({ capacity: 10, ttlSeconds: 1, now: () => clock.now() })
    await tier.set('k', 'v', 3600)
    clock.advance(999)
    expect(await tier.get('k')).toBe('v')
    clock.advance(2)
    expect(await tier.get('k')).toBeUndefined()
  })

  test('clear drops everything', async () => {
    const tier = new MemoryTier({ capacity: 10, ttlSeconds: 300 })
    await tier.set('k', 'v')
    await tier.clear()
    expect(tier.size).toBe(0)
  })
})

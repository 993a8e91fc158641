import { describe, expect, test } from 'bun:test'
import { MemoryTier } from '../../../src/cache/tiers/memory-tier.ts'
import { tierContract } from './tier-contract.ts'

tierContract('memory', async () => {
  const tier = new MemoryTier({ capacity: 1000, ttlSeconds: 300 })
  return { store: tier, close: () => tier.close() }
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

  test('the global expiry bounds a longer per-key one', async () => {
    const tier = new MemoryTier({ capacity: 10, ttlSeconds: 1 })
    await tier.set('k', 'v', 3600)
    await Bun.sleep(1100)
    expect(await tier.get('k')).toBeUndefined()
  })

  test('clear drops everything', async () => {
    const tier = new MemoryTier({ capacity: 10, ttlSeconds: 300 })
    await tier.set('k', 'v')
    await tier.clear()
    expect(tier.size).toBe(0)
  })
})

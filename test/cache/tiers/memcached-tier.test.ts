import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { memcachedKeyFor } from '../../../src/cache/tiers/memcached-key.ts'
import { MemcachedTier } from '../../../src/cache/tiers/memcached-tier.ts'
import { memcachedClientFor } from '../../harness/cache-fixtures.ts'
import { startMemcached, type ServiceProcess } from '../../harness/service-process.ts'
import { tierContract } from './tier-contract.ts'

let memcached: ServiceProcess
beforeAll(async () => {
  memcached = await startMemcached()
})
afterAll(async () => memcached.stop())

tierContract('memcached', async () => {
  const tier = new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds: 300 })
  return { store: tier, close: () => tier.close() }
})

describe('memcachedKeyFor', () => {
  test('keeps printable keys readable and hashes the others', () => {
    expect(memcachedKeyFor('user:42', 'p:')).toBe('p:user:42')
    for (const key of ['with space', 'nl\n', 'ü', 'k'.repeat(201), '#x']) {
      const mapped = memcachedKeyFor(key, 'p:')
      expect(mapped).toMatch(/^p:#[A-Za-z0-9_-]{43}$/)
    }
  })

  test('a plain key cannot collide with a hashed one', () => {
    const hashed = memcachedKeyFor('with space', 'p:')
    expect(memcachedKeyFor(hashed.slice(2), 'p:')).not.toBe(hashed)
  })
})

describe('MemcachedTier', () => {
  test('a value too large for Memcached is skipped and leaves no older copy', async () => {
    const tier = new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds: 300, keyPrefix: 'big:' })
    await tier.set('k', 'small')
    expect(await tier.get('k')).toBe('small')
    await tier.set('k', 'x'.repeat(1024 * 1024 + 1))
    expect(await tier.get('k')).toBeUndefined()
    await tier.close()
  })

  test('a copy with less than a second to live is not kept, and leaves no older copy', async () => {
    const tier = new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds: 300, keyPrefix: 'brief:' })
    await tier.set('k', 'older')
    await tier.set('k', 'newer', 0.4)
    expect(await tier.get('k')).toBeUndefined()
    await tier.set('k', 'newer', 1.9)
    expect(await tier.get('k')).toBe('newer')
    await tier.close()
  })
})

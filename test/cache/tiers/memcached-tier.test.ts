import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import memjs from 'memjs'
import { GuardedLocalTier } from '../../../src/cache/tiers/guarded-local-tier.ts'
import { memcachedKeyFor } from '../../../src/cache/tiers/memcached-key.ts'
import { MemcachedTier } from '../../../src/cache/tiers/memcached-tier.ts'
import { memcachedClientFor } from '../../harness/cache-fixtures.ts'
import { startMemcached, type ServiceProcess } from '../../harness/service-process.ts'
import { tierContract } from './tier-contract.ts'

let memcached: ServiceProcess
/** Started with `-I 512k`: it refuses items over 512 KB, as a server set up smaller than the default may. */
let smallItems: ServiceProcess
beforeAll(async () => {
  ;[memcached, smallItems] = await Promise.all([startMemcached(), startMemcached(['-I', '512k'])])
})
afterAll(async () => Promise.all([memcached.stop(), smallItems.stop()]))

let prefixes = 0
function tierOn(server: ServiceProcess, keyPrefix = `p${++prefixes}:`): MemcachedTier {
  return new MemcachedTier({ client: memcachedClientFor(server), ttlSeconds: 300, keyPrefix })
}

/** Another program using the same Memcached, through another client library. */
function otherProgram(server: ServiceProcess): memjs.Client {
  return memjs.Client.create(`127.0.0.1:${server.port}`, { retries: 0, timeout: 0.5, logger: { log: () => {} } })
}

tierContract('memcached', async () => {
  const tier = tierOn(memcached)
  return { store: tier, close: () => tier.close() }
})

tierContract('guarded memcached', async () => {
  const tier = new GuardedLocalTier({ tier: tierOn(memcached) })
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

describe('MemcachedTier clears by namespace, never with flush_all', () => {
  test("clear leaves other applications' keys, even one named like ours", async () => {
    const other = otherProgram(memcached)
    const tier = tierOn(memcached, 'shared:')
    await other.set('other-app:session', 'theirs', { expires: 300 })
    await other.set('shared:k', 'theirs too', { expires: 300 })
    await tier.set('k', 'ours')
    await tier.clear()
    expect(await tier.get('k')).toBeUndefined()
    expect((await other.get('other-app:session')).value?.toString()).toBe('theirs')
    expect((await other.get('shared:k')).value?.toString()).toBe('theirs too')
    other.close()
    await tier.close()
  })

  test('a clear by one instance makes its copies unreachable for every other instance at once', async () => {
    const [a, b] = [tierOn(memcached, 'agree:'), tierOn(memcached, 'agree:')]
    await a.set('k', 'v')
    expect(await b.get('k')).toBe('v')
    await a.clear()
    expect(await b.get('k')).toBeUndefined()
    // B writes in the new namespace A moved to, and A reads it there.
    await b.set('k', 'after')
    expect(await a.get('k')).toBe('after')
    // A delete by B, who last saw the old generation, lands in the current one.
    await a.clear()
    await a.set('k', 'in the newest namespace')
    await b.delete('k')
    expect(await a.get('k')).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })

  test('a generation lost with a restarted server starts above every earlier one', async () => {
    const server = await startMemcached()
    try {
      const tier = tierOn(server, 'restart:')
      const generation = async () => {
        const other = otherProgram(server)
        const { value } = await other.get('restart:generation')
        other.close()
        return BigInt(value!.toString())
      }
      await tier.set('k', 'before')
      await tier.clear()
      const before = await generation()
      await server.kill()
      expect(await tier.get('k').then(() => 'answered', () => 'failed')).toBe('failed')
      await server.restart()
      await tier.set('k', 'after')
      expect(await tier.get('k')).toBe('after')
      expect(await generation()).toBeGreaterThan(before)
      await tier.close()
    } finally {
      await server.stop()
    }
  })
})

describe('MemcachedTier item limits', () => {
  test('a 600 KB value refused by `memcached -I 512k` is not cached, leaves no older copy, and opens no breaker', async () => {
    const changes: string[] = []
    const other = otherProgram(smallItems)
    await other.set('other-app:k', 'theirs', { expires: 300 })
    const tier = new GuardedLocalTier({ tier: tierOn(smallItems), onStateChange: ({ to }) => changes.push(to) })
    await tier.set('k', 'small')
    await tier.set('neighbour', 'kept')
    expect(await tier.get('k')).toBe('small')
    await tier.set('k', 'x'.repeat(600 * 1024))
    expect(await tier.get('k')).toBeUndefined()
    expect(tier.state).toBe('closed')
    expect(changes).toEqual([])
    expect(await tier.get('neighbour')).toBe('kept')
    expect((await other.get('other-app:k')).value?.toString()).toBe('theirs')
    // The connection is still in step after the refused data block.
    await tier.set('k', 'small again')
    expect(await tier.get('k')).toBe('small again')
    other.close()
    await tier.close()
  })

  test('a value over the default item size is skipped and leaves no older copy', async () => {
    const tier = tierOn(memcached)
    await tier.set('k', 'small')
    await tier.set('k', 'x'.repeat(1024 * 1024 + 1))
    expect(await tier.get('k')).toBeUndefined()
    await tier.close()
  })

  test('a copy with less than a second to live is not kept, and leaves no older copy', async () => {
    const tier = tierOn(memcached)
    await tier.set('k', 'older')
    await tier.set('k', 'newer', 0.4)
    expect(await tier.get('k')).toBeUndefined()
    await tier.set('k', 'newer', 1.9)
    expect(await tier.get('k')).toBe('newer')
    await tier.close()
  })
})

describe('MemcachedTier leases', () => {
  test('the miss that leaves the placeholder alone may fill; other readers meet a miss without a lease', async () => {
    const [a, b] = [tierOn(memcached, 'lease:'), tierOn(memcached, 'lease:')]
    const first = await a.getForFill('k')
    expect(first.value).toBeUndefined()
    expect(first.lease).toBeDefined()
    expect(await b.getForFill('k')).toEqual({ value: undefined })
    expect(await b.get('k')).toBeUndefined()
    await a.fill('k', 'from redis', undefined, first.lease!)
    expect(await b.getForFill('k')).toEqual({ value: 'from redis' })
    await Promise.all([a.close(), b.close()])
  })

  test('a delete or a write by another instance after the miss defeats the fill', async () => {
    const [a, b] = [tierOn(memcached, 'defeat:'), tierOn(memcached, 'defeat:')]
    const deleted = await a.getForFill('deleted')
    await b.delete('deleted')
    await a.fill('deleted', 'old', undefined, deleted.lease!)
    expect(await b.get('deleted')).toBeUndefined()

    const written = await a.getForFill('written')
    await b.set('written', 'new')
    await a.fill('written', 'old', undefined, written.lease!)
    expect(await b.get('written')).toBe('new')
    await Promise.all([a.close(), b.close()])
  })

  test('a fill after a clear lands in the old namespace, out of reach', async () => {
    const [a, b] = [tierOn(memcached, 'cleared:'), tierOn(memcached, 'cleared:')]
    const miss = await a.getForFill('k')
    await b.clear()
    await a.fill('k', 'old', undefined, miss.lease!)
    expect(await b.get('k')).toBeUndefined()
    expect(await a.get('k')).toBeUndefined()
    await Promise.all([a.close(), b.close()])
  })
})

import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { GuardedLocalTier, type CircuitChange } from '../../../src/cache/tiers/guarded-local-tier.ts'
import { MemcachedTier } from '../../../src/cache/tiers/memcached-tier.ts'
import { memcachedClientFor } from '../../harness/cache-fixtures.ts'
import { eventually } from '../../harness/wait-for.ts'
import { startMemcached, type ServiceProcess } from '../../harness/service-process.ts'

let memcached: ServiceProcess
beforeAll(async () => {
  memcached = await startMemcached()
})
afterAll(async () => memcached.stop())

const CALL_TIMEOUT_MS = 150
/**
 * A skipped call answers without asking Memcached: well under the call timeout a frozen server would
 * cost, with room for a loaded machine (five test files at once on two cores) to deschedule this one.
 */
const SKIP_BOUND_MS = CALL_TIMEOUT_MS / 3
const COOL_DOWN_MS = 300

function guardedMemcached() {
  const changes: CircuitChange[] = []
  const client = memcachedClientFor(memcached, 100)
  const tier = new GuardedLocalTier({
    tier: new MemcachedTier({ client, ttlSeconds: 300 }),
    failureThreshold: 3,
    callTimeoutMs: CALL_TIMEOUT_MS,
    coolDownMs: COOL_DOWN_MS,
    onStateChange: (change) => changes.push(change),
  })
  return { tier, changes }
}

async function timed(call: () => Promise<unknown>): Promise<{ ms: number; failed: boolean }> {
  const started = performance.now()
  const failed = await call().then(
    () => false,
    () => true,
  )
  return { ms: performance.now() - started, failed }
}

/** The probe runs on a timer: no calls are needed for the circuit to close again. */
async function untilClosed(tier: GuardedLocalTier): Promise<void> {
  await eventually(() => tier.state === 'closed', 'the circuit to close', 10_000, 20)
}

describe('GuardedLocalTier on a real Memcached', () => {
  test('killed: opens after 3 failed reads, skips the tier at once, and after a restart flushes and uses it again', async () => {
    const { tier, changes } = guardedMemcached()
    await tier.set('before', 'old')
    await memcached.kill()
    for (let i = 0; i < 3; i++) expect((await timed(() => tier.get('k'))).failed).toBe(true)
    expect(tier.state).toBe('open')
    const skipped = await timed(() => tier.get('k'))
    expect(skipped.failed).toBe(true)
    expect(skipped.ms).toBeLessThan(SKIP_BOUND_MS)
    expect((await timed(() => tier.ping())).failed).toBe(true)

    await memcached.restart()
    await untilClosed(tier)
    expect(changes.map((c) => c.to)).toEqual(['open', 'closed'])
    await tier.set('after', 'new')
    expect(await tier.get('after')).toBe('new')
    await tier.close()
  })

  test('frozen: a call costs at most the call timeout, a failed write opens at once, and stale entries are flushed on recovery', async () => {
    const { tier, changes } = guardedMemcached()
    await tier.set('stale', 'written before the freeze')
    memcached.freeze()
    try {
      const read = await timed(() => tier.get('stale'))
      expect(read.failed).toBe(true)
      expect(read.ms).toBeLessThan(CALL_TIMEOUT_MS * 3)
      expect(tier.state).toBe('closed')
      // The write did not land, so the tier may keep a value Redis no longer has: stop using it.
      expect((await timed(() => tier.set('stale', 'newer'))).failed).toBe(true)
      expect(tier.state).toBe('open')
      const skipped = await Promise.all(Array.from({ length: 20 }, () => timed(() => tier.get('stale'))))
      expect(Math.max(...skipped.map((s) => s.ms))).toBeLessThan(SKIP_BOUND_MS)
      // Probes during the freeze fail and keep it open.
      await Bun.sleep(2 * COOL_DOWN_MS + 2 * CALL_TIMEOUT_MS)
      expect(tier.state).not.toBe('closed')
    } finally {
      memcached.resume()
    }
    await untilClosed(tier)
    expect(await tier.get('stale')).toBeUndefined()
    expect(changes.map((c) => c.to)).toEqual(['open', 'closed'])
    await tier.close()
  })
})

import type { Value } from './value.ts'
import type { FillLease, LocalTier } from './tiers/local-tier.ts'
import type { RedisStore } from './redis/redis-store.ts'
import type { CoherenceGate } from './coherence/coherence-gate.ts'
import { StoreUnavailableError } from './errors.ts'
import { fillLocal, localTtlFor, lookupForFill, secondsLeft } from './local-fill.ts'
import { callLocal, callRedis } from './tier-calls.ts'
import type { BatchReadOutcome, TierStep, TieredCacheEvents, WriteOutcome } from './tier-outcomes.ts'

export interface TieredBatchesOptions {
  local: LocalTier
  redis: RedisStore
  gate: CoherenceGate
  events: TieredCacheEvents
  /** A write of `key` began: single reads in flight for it must not be joined any more. */
  detachReads: (key: string) => void
}

/**
 * Reads and writes of many keys, each key under the rules TieredCache applies to one: local copies only
 * where the coherence gate allows, a Redis answer fills the local tier only while its key's version
 * stamp holds, and writes go to Redis first, then to the local tier unless overtaken. Redis is asked
 * once per batch.
 */
export class TieredBatches {
  private readonly local: LocalTier
  private readonly redis: RedisStore
  private readonly gate: CoherenceGate
  private readonly events: TieredCacheEvents
  private readonly detachReads: (key: string) => void

  constructor({ local, redis, gate, events, detachReads }: TieredBatchesOptions) {
    this.local = local
    this.redis = redis
    this.gate = gate
    this.events = events
    this.detachReads = detachReads
  }

  private get hasLocalTier(): boolean {
    return this.local.name !== 'none'
  }

  /**
   * The keys' values in their order (repeats answered alike): local copies first, the rest from Redis at
   * once. `fresh`: every key from Redis (a client's `Cache-Control: no-cache`), still filling as misses do.
   */
  async readMany(keys: readonly string[], { fresh = false } = {}): Promise<BatchReadOutcome[]> {
    const unique = [...new Set(keys)]
    const found = new Map<string, { value: Value | undefined; source: BatchReadOutcome['source'] }>()
    const leases = new Map<string, FillLease>()
    const skipped = this.hasLocalTier ? this.gate.localSkipReason() : undefined
    if (this.hasLocalTier && skipped === undefined && !fresh) {
      const reads = await Promise.all(unique.map((key) => callLocal(this.events, 'get', () => lookupForFill(this.local, key))))
      reads.forEach(({ value: read, failed }, index) => {
        const key = unique[index]!
        this.events.onLookup?.('local', failed ? 'error' : read?.value === undefined ? 'miss' : 'hit')
        if (read?.value !== undefined) found.set(key, { value: read.value, source: 'local' })
        else if (read?.lease) leases.set(key, read.lease)
      })
    } else if (skipped !== undefined) {
      for (const _ of unique) this.events.onLocalSkipped?.(skipped)
    }
    const missing = unique.filter((key) => !found.has(key))
    if (missing.length > 0) await this.readRedis(missing, leases, found)
    return keys.map((key) => ({ key, ...found.get(key)! }))
  }

  /**
   * Writes every pair or none (RedisStore.setMany), then the local tier as TieredCache.write does, key by
   * key. `trace`: read the local tier first for each key's "found in local cache" step (the seed's
   * messages); without it the steps hold Redis's alone. Keys must be distinct.
   */
  async writeMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number, { trace = true } = {}): Promise<WriteOutcome[]> {
    const localSteps = this.hasLocalTier && trace ? await this.traceLocal(pairs.map(([key]) => key)) : undefined
    const stamps = pairs.map(([key]) => {
      const stamp = this.gate.beginWrite(key)
      this.detachReads(key)
      return stamp
    })
    try {
      const started = performance.now()
      const written = await this.writeRedis(pairs, ttlSeconds)
      const redisMs = performance.now() - started
      const fillStarted = performance.now()
      if (this.hasLocalTier) {
        const localTtl = ttlSeconds > 0 ? secondsLeft(ttlSeconds * 1000, started) : undefined
        await Promise.all(
          pairs.map(([key, value], index) =>
            // Overtaken (a later write, a delete or an invalidation): the older copy goes, the later operation decides.
            this.gate.mayFill(key, stamps[index]!)
              ? callLocal(this.events, 'set', () => this.local.set(key, value, localTtl))
              : callLocal(this.events, 'delete', () => this.local.delete(key)),
          ),
        )
      }
      const fillMs = performance.now() - fillStarted
      return pairs.map(([key, value], index) => {
        const existed = written[index]!.existed
        const steps: TierStep[] = []
        const localStep = localSteps?.[index]
        if (localStep) steps.push({ ...localStep, durationMs: localStep.durationMs + fillMs })
        steps.push({ tier: 'redis', outcome: existed ? 'hit' : 'miss', durationMs: redisMs })
        return { key, value, created: !existed, steps }
      })
    } finally {
      for (const [key] of pairs) this.gate.end(key)
    }
  }

  /** Misses from Redis in one round trip; each answer fills the local tier only if nothing overtook its read. */
  private async readRedis(keys: string[], leases: Map<string, FillLease>, found: Map<string, { value: Value | undefined; source: 'local' | 'redis' }>): Promise<void> {
    // A stale stream still lets a read fill: the copy is served only once the stream is proven current.
    const fill = this.hasLocalTier && !this.gate.suspended
    const stamps = fill ? keys.map((key) => this.gate.beginRead(key)) : undefined
    try {
      const sentAt = performance.now()
      const answers = await callRedis(this.events, 'get', () => this.redis.getManyWithTtl(keys))
      const fills: Promise<unknown>[] = []
      answers.forEach(({ value, ttlMs }, index) => {
        const key = keys[index]!
        this.events.onLookup?.('redis', value === null ? 'miss' : 'hit')
        found.set(key, { value: value ?? undefined, source: 'redis' })
        const localTtl = localTtlFor(ttlMs, sentAt)
        if (stamps && value !== null && localTtl !== null && this.gate.mayFill(key, stamps[index]!)) {
          fills.push(callLocal(this.events, 'set', () => fillLocal(this.local, key, value, localTtl, leases.get(key))))
        }
      })
      await Promise.all(fills)
    } finally {
      if (stamps) for (const key of keys) this.gate.end(key)
    }
  }

  private async traceLocal(keys: string[]): Promise<TierStep[]> {
    return Promise.all(
      keys.map(async (key) => {
        const started = performance.now()
        const { value, failed } = await callLocal(this.events, 'get', () => this.local.get(key))
        return { tier: 'local', outcome: failed ? 'error' : value === undefined ? 'miss' : 'hit', durationMs: performance.now() - started } as const
      }),
    )
  }

  /** When the outcome is unknown (Redis unavailable), local copies may be ahead of Redis: drop them all. */
  private async writeRedis(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]> {
    try {
      return await this.redis.setMany(pairs, ttlSeconds)
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.events.onRedisError?.('write', error)
        for (const [key] of pairs) {
          this.gate.invalidate(key)
          this.detachReads(key)
        }
        await Promise.all(pairs.map(([key]) => callLocal(this.events, 'delete', () => this.local.delete(key))))
      }
      throw error
    }
  }
}

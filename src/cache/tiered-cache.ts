import { entityTag, type TaggedValue } from './entity-tag.ts'
import type { Value } from './value.ts'
import type { FillLease, LocalTier } from './tiers/local-tier.ts'
import type { RedisStore } from './redis/redis-store.ts'
import { StoreUnavailableError } from './errors.ts'
import { CoherenceGate } from './coherence/coherence-gate.ts'
import { fillLocal, localTtlFor, lookupForFill, secondsLeft } from './local-fill.ts'
import { callLocal, callRedis } from './tier-calls.ts'
import { TieredBatches } from './tiered-batches.ts'
import type { BatchReadOutcome, ReadOutcome, TierStep, TieredCacheEvents, WriteOutcome } from './tier-outcomes.ts'

export type { BatchReadOutcome, ReadOutcome, Tier, TierStep, TieredCacheEvents, WriteOutcome } from './tier-outcomes.ts'

export interface TieredCacheOptions {
  local: LocalTier
  redis: RedisStore
  /** Expiry of keys written to Redis when the caller gives none; 0 = none. */
  redisTtlSeconds: number
  events?: TieredCacheEvents
  /** Decides when local copies may be served and filled; the invalidation listeners feed it. */
  gate?: CoherenceGate
}

/**
 * The cache orchestrator: read-through (local → Redis → fill local) and write-through
 * (Redis first, it is the truth, then the local tier). Redis errors propagate; local-tier
 * errors are reported and bypassed.
 */
export class TieredCache {
  readonly local: LocalTier
  private readonly redis: RedisStore
  private readonly redisTtlSeconds: number
  readonly gate: CoherenceGate
  private readonly events: TieredCacheEvents
  /** Concurrent misses for one key share one Redis GET. */
  private readonly redisReads = new Map<string, Promise<Value | null>>()
  /** The gate's epoch when redisReads was last cleared: GETs from before a suspend or flush-all are not joined. */
  private readsEpoch = 0
  private readonly batches: TieredBatches

  constructor({ local, redis, redisTtlSeconds, events = {}, gate = new CoherenceGate() }: TieredCacheOptions) {
    this.local = local
    this.redis = redis
    this.redisTtlSeconds = redisTtlSeconds
    this.events = events
    this.gate = gate
    this.batches = new TieredBatches({ local, redis, gate, events, detachReads: (key) => this.redisReads.delete(key) })
  }

  get hasLocalTier(): boolean {
    return this.local.name !== 'none'
  }

  /** Drops every local copy (the gate's `forget` on resume: they may have missed changes). */
  async forgetLocal(): Promise<void> {
    await this.localCall('clear', () => this.local.clear())
  }

  /**
   * The local hit of `read()` answered synchronously, when the local tier can (no I/O):
   * `undefined` means "take `read()`". Keep it in step with read()'s local-hit rule.
   */
  peekLocal(key: string): TaggedValue | undefined {
    if (!this.hasLocalTier || this.gate.localSkipReason() !== undefined) return undefined
    const value = this.local.peek?.(key)
    if (value !== undefined) this.events.onLookup?.('local', 'hit')
    return value
  }

  async read(key: string): Promise<ReadOutcome> {
    const steps: TierStep[] = []
    let lease: FillLease | undefined
    const skipped = this.hasLocalTier ? this.gate.localSkipReason() : undefined
    if (this.hasLocalTier && skipped === undefined) {
      const started = performance.now()
      const { value: found, failed } = await this.localCall('get', () => lookupForFill(this.local, key))
      const value = found?.value
      lease = found?.lease
      const outcome = failed ? 'error' : value === undefined ? 'miss' : 'hit'
      steps.push({ tier: 'local', outcome, durationMs: performance.now() - started })
      this.events.onLookup?.('local', outcome)
      if (value !== undefined) return { key, value, source: 'local', steps }
    } else if (skipped !== undefined) {
      // Set aside, not absent: the answer keeps the tier's line (a miss), as the seed's messages expect.
      steps.push({ tier: 'local', outcome: 'miss', durationMs: 0 })
      this.events.onLocalSkipped?.(skipped)
    }
    const started = performance.now()
    const value = await this.readRedis(key, lease)
    steps.push({ tier: 'redis', outcome: value === null ? 'miss' : 'hit', durationMs: performance.now() - started })
    this.events.onLookup?.('redis', value === null ? 'miss' : 'hit')
    return { key, value: value ?? undefined, source: value === null ? undefined : 'redis', steps }
  }

  /**
   * A read that skips the local tier (a client's `Cache-Control: no-cache`): its own Redis GET, joined
   * with none sent before it, so a write acknowledged to anyone before it was asked is seen. It fills
   * the local tier as a miss does (a shared tier only under a lease, which it has not taken: no fill).
   */
  async readFresh(key: string): Promise<ReadOutcome> {
    // Not asked, yet the seed's messages keep the tier's line, as when the gate sets the tier aside.
    const steps: TierStep[] = this.hasLocalTier ? [{ tier: 'local', outcome: 'miss', durationMs: 0 }] : []
    const started = performance.now()
    const value = this.hasLocalTier && !this.gate.suspended ? await this.readRedisAndFill(key, undefined) : await this.readRedisOnly(key)
    steps.push({ tier: 'redis', outcome: value === null ? 'miss' : 'hit', durationMs: performance.now() - started })
    this.events.onLookup?.('redis', value === null ? 'miss' : 'hit')
    return { key, value: value ?? undefined, source: value === null ? undefined : 'redis', steps }
  }

  /**
   * The local copy alone (a client's `Cache-Control: only-if-cached`), where the gate allows serving one;
   * undefined when there is none to serve. Redis is not asked.
   */
  async readCached(key: string): Promise<TaggedValue | undefined> {
    if (!this.hasLocalTier || this.gate.localSkipReason() !== undefined) return undefined
    if (this.local.peek) {
      const tagged = this.local.peek(key)
      this.events.onLookup?.('local', tagged === undefined ? 'miss' : 'hit')
      return tagged
    }
    const { value, failed } = await callLocal(this.events, 'get', () => this.local.get(key))
    this.events.onLookup?.('local', failed ? 'error' : value === undefined ? 'miss' : 'hit')
    return value === undefined ? undefined : { value, etag: entityTag(value) }
  }

  /** Several keys at once, in their order (see TieredBatches.readMany). */
  readMany(keys: readonly string[], options: { fresh?: boolean } = {}): Promise<BatchReadOutcome[]> {
    return this.batches.readMany(keys, options)
  }

  /** Every pair or none, in one atomic Redis step (see TieredBatches.writeMany). */
  writeMany(pairs: readonly (readonly [string, Value])[], ttlSeconds = this.redisTtlSeconds, options: { trace?: boolean } = {}): Promise<WriteOutcome[]> {
    return this.batches.writeMany(pairs, ttlSeconds, options)
  }

  /** The key's remaining lifetime in Redis, in ms (PTTL: -1 no expiry, -2 absent). */
  ttl(key: string): Promise<number> {
    return callRedis(this.events, 'ttl', () => this.redis.ttl(key))
  }

  /**
   * `trace: false` when no one shows the steps (/v1): the local tier is then not read for the
   * "found in local cache" line, and the steps hold Redis's alone.
   */
  async write(key: string, value: Value, ttlSeconds = this.redisTtlSeconds, { trace = true } = {}): Promise<WriteOutcome> {
    const steps: TierStep[] = []
    let localStep: TierStep | undefined
    if (this.hasLocalTier && trace) {
      const started = performance.now()
      const { value: cached, failed } = await this.localCall('get', () => this.local.get(key))
      localStep = { tier: 'local', outcome: failed ? 'error' : cached === undefined ? 'miss' : 'hit', durationMs: performance.now() - started }
    }
    const stamp = this.gate.beginWrite(key)
    this.redisReads.delete(key)
    try {
      const started = performance.now()
      const { existed } = await this.redisWrite(key, () => this.redis.set(key, value, ttlSeconds))
      const redisStep: TierStep = { tier: 'redis', outcome: existed ? 'hit' : 'miss', durationMs: performance.now() - started }
      if (this.hasLocalTier) {
        const fillStarted = performance.now()
        if (this.gate.mayFill(key, stamp)) {
          await this.localCall('set', () => this.local.set(key, value, ttlSeconds > 0 ? secondsLeft(ttlSeconds * 1000, started) : undefined))
        } else {
          // Overtaken (a later write, a delete or an invalidation) or unwatched: the copy from before this
          // write must go, and the later operation, not this one, decides what is held next.
          await this.localCall('delete', () => this.local.delete(key))
        }
        if (localStep) steps.push({ ...localStep, durationMs: localStep.durationMs + performance.now() - fillStarted })
      }
      steps.push(redisStep)
      return { key, value, created: !existed, steps }
    } finally {
      this.gate.end(key)
    }
  }

  /** Removes the key from Redis and the local tier; tells whether Redis held it. */
  async remove(key: string): Promise<boolean> {
    this.gate.beginWrite(key)
    this.redisReads.delete(key)
    try {
      const existed = await this.redisWrite(key, () => this.redis.delete(key))
      await this.localCall('delete', () => this.local.delete(key))
      return existed
    } finally {
      this.gate.end(key)
    }
  }

  /** The key changed in Redis behind our back: drop the local copy and any read in flight. */
  async invalidate(key: string): Promise<void> {
    this.events.onInvalidation?.(key)
    this.gate.invalidate(key)
    this.redisReads.delete(key)
    await this.localCall('delete', () => this.local.delete(key))
  }

  /** Invalidations may have been missed: forget everything held locally. */
  async invalidateAll(): Promise<void> {
    this.events.onInvalidation?.(null)
    this.gate.invalidateAll()
    await this.localCall('clear', () => this.local.clear())
  }

  /**
   * Concurrent misses share one GET, but only while nothing has overtaken it: a write, a delete or an
   * invalidation of the key detaches it, so a read invoked afterwards sends a GET of its own.
   */
  private readRedis(key: string, lease: FillLease | undefined): Promise<Value | null> {
    if (this.readsEpoch !== this.gate.epoch) {
      this.readsEpoch = this.gate.epoch
      this.redisReads.clear()
    }
    const shared = this.redisReads.get(key)
    if (shared) return shared
    // A stale stream still lets a read fill: the copy is served only once the stream is proven current.
    const fill = this.hasLocalTier && !this.gate.suspended
    const read: Promise<Value | null> = (fill ? this.readRedisAndFill(key, lease) : this.readRedisOnly(key)).finally(() => {
      if (this.redisReads.get(key) === read) this.redisReads.delete(key)
    })
    this.redisReads.set(key, read)
    return read
  }

  /** No local copy to fill (tier `none` or suspended): one GET, no PTTL, no version stamp, no closure. */
  private async readRedisOnly(key: string): Promise<Value | null> {
    try {
      return await this.redis.get(key)
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.events.onRedisError?.('get', error)
      throw error
    }
  }

  private async readRedisAndFill(key: string, lease: FillLease | undefined): Promise<Value | null> {
    const stamp = this.gate.beginRead(key)
    try {
      const sentAt = performance.now()
      const { value, ttlMs } = await callRedis(this.events, 'get', () => this.redis.getWithTtl(key))
      const localTtl = localTtlFor(ttlMs, sentAt)
      // An answer overtaken by a write or an invalidation must not become the local copy.
      if (value !== null && localTtl !== null && this.gate.mayFill(key, stamp)) {
        await this.localCall('set', () => fillLocal(this.local, key, value, localTtl, lease))
      }
      return value
    } finally {
      this.gate.end(key)
    }
  }

  /** Runs a Redis write; when its outcome is unknown, the local copy may be ahead of Redis, so drop it. */
  private async redisWrite<T>(key: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.events.onRedisError?.('write', error)
        this.gate.invalidate(key)
        this.redisReads.delete(key)
        await this.localCall('delete', () => this.local.delete(key))
      }
      throw error
    }
  }

  private localCall<T>(operation: string, call: () => Promise<T>): Promise<{ value: T | undefined; failed: boolean }> {
    return callLocal(this.events, operation, call)
  }
}

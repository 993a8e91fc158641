import type { TaggedValue } from './entity-tag.ts'
import type { Value } from './value.ts'
import type { FillLease, LocalRead, LocalTier } from './tiers/local-tier.ts'
import type { RedisStore } from './redis/redis-store.ts'
import { StoreUnavailableError } from './errors.ts'
import { CoherenceGate, type LocalSkipReason } from './coherence/coherence-gate.ts'

export type Tier = 'local' | 'redis'

/** PTTL's answers for a key without expiry and for a key that no longer exists. */
const NO_EXPIRY = -1
const GONE = -2

/**
 * What is left of a Redis expiry of `ttlMs` for a command sent at `sentAt`: Redis started the clock
 * somewhere between sending and answering, so a late answer must not make the copy outlive the key.
 */
function secondsLeft(ttlMs: number, sentAt: number): number {
  return Math.max(ttlMs - (performance.now() - sentAt), 1) / 1000
}

/** One step of a lookup or a write, as the seed's messages and the result page tell it. */
export interface TierStep {
  readonly tier: Tier
  /** hit/miss for reads, hit = the key existed for writes; error = the tier failed and was bypassed. */
  readonly outcome: 'hit' | 'miss' | 'error'
  readonly durationMs: number
}

export interface ReadOutcome {
  readonly key: string
  readonly value: Value | undefined
  readonly source: Tier | undefined
  readonly steps: readonly TierStep[]
}

export interface WriteOutcome {
  readonly key: string
  readonly value: Value
  /** True when Redis did not hold the key before. */
  readonly created: boolean
  readonly steps: readonly TierStep[]
}

/** Hooks for metrics and logs; the orchestrator knows nothing of what listens. */
export interface TieredCacheEvents {
  /** A local-tier operation failed; the request went on without it. */
  onLocalError?(operation: string, error: unknown): void
  /** One tier was asked for a key on a read: hit, miss, or error (bypassed). */
  onLookup?(tier: Tier, outcome: TierStep['outcome']): void
  /** A Redis command failed (unavailable, timed out); the error goes on to the caller. */
  onRedisError?(operation: string, error: unknown): void
  /** Redis said a key changed (`key`), or that every local copy must go (`null`). */
  onInvalidation?(key: string | null): void
  /** A read went to Redis without asking the local tier, because the coherence gate said so. */
  onLocalSkipped?(reason: LocalSkipReason): void
}

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

  constructor({ local, redis, redisTtlSeconds, events = {}, gate = new CoherenceGate() }: TieredCacheOptions) {
    this.local = local
    this.redis = redis
    this.redisTtlSeconds = redisTtlSeconds
    this.events = events
    this.gate = gate
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
      const { value: found, failed } = await this.localCall('get', () => this.lookupLocal(key))
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

  /** A shared tier hands out leases (it has `getForFill`); the memory tier answers a plain get. */
  private lookupLocal(key: string): Promise<LocalRead> {
    return this.local.getForFill ? this.local.getForFill(key) : this.local.get(key).then((value) => ({ value }))
  }

  /** A tier that leases is filled only under the lease this read's miss took, before Redis was asked. */
  private fillLocal(key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease | undefined): Promise<void> {
    if (!this.local.fill) return this.local.set(key, value, ttlSeconds)
    return lease ? this.local.fill(key, value, ttlSeconds, lease) : Promise.resolve()
  }

  private async readRedisAndFill(key: string, lease: FillLease | undefined): Promise<Value | null> {
    const stamp = this.gate.beginRead(key)
    try {
      // Bounded by the key's PTTL even with invalidations on: Redis reports an expiry only when its expire
      // cycle reaches the key, measured here at over 15 s late with 200k keys holding a TTL (the default).
      const sentAt = performance.now()
      const { value, ttlMs } = await this.reportRedisErrors('get', () => this.redis.getWithTtl(key))
      // An answer overtaken by a write or an invalidation must not become the local copy.
      if (value !== null && ttlMs !== GONE && this.gate.mayFill(key, stamp)) {
        await this.localCall('set', () => this.fillLocal(key, value, ttlMs === NO_EXPIRY ? undefined : secondsLeft(ttlMs, sentAt), lease))
      }
      return value
    } finally {
      this.gate.end(key)
    }
  }

  /** Tells the events when Redis fails; the error goes on to the caller. */
  private async reportRedisErrors<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.events.onRedisError?.(operation, error)
      throw error
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

  private async localCall<T>(operation: string, call: () => Promise<T>): Promise<{ value: T | undefined; failed: boolean }> {
    try {
      return { value: await call(), failed: false }
    } catch (error) {
      this.events.onLocalError?.(operation, error)
      return { value: undefined, failed: true }
    }
  }
}

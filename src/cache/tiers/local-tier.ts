import type { TaggedValue } from '../entity-tag.ts'
import type { Value } from '../value.ts'

/**
 * The capability every local tier offers: values of any bytes (see value.ts), expiry in seconds.
 * Implementations wrap exactly one storage; error policy lives in the orchestrator.
 */
export interface LocalTier {
  /** `memory`, `memcached` or `none`: shown in logs, metrics and readiness. */
  readonly name: 'memory' | 'memcached' | 'none'
  get(key: string): Promise<Value | undefined>
  /**
   * A synchronous `get`, offered by tiers that answer without I/O (the in-process one): the hot path's
   * fast lane. The tag comes with the value, so that a hit does not hash it again.
   */
  peek?(key: string): TaggedValue | undefined
  /** Stores the value; `ttlSeconds` never exceeds the tier's own global expiry. */
  set(key: string, value: Value, ttlSeconds?: number): Promise<void>
  /**
   * A shared tier's read: on a miss it may hand out a lease, the only right to `fill` the key with what
   * Redis answers; an invalidation of the key by any instance defeats it. Tiers without it fill with `set`.
   */
  getForFill?(key: string): Promise<LocalRead>
  /** Stores a copy read from Redis if `lease` still holds (nothing invalidated the key since the miss). */
  fill?(key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease): Promise<void>
  delete(key: string): Promise<void>
  /** Drops every entry this tier holds for us (after missed invalidations). */
  clear(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

/** A tier's right to fill one key, taken on a miss before Redis was asked; only the tier reads it. */
export interface FillLease {
  /** The tier's own name for the entry (Memcached: the key in its namespace). */
  readonly entry: string
  /** Memcached: the CAS of the placeholder the miss left; any change to the entry makes it stale. */
  readonly token: string
}

export interface LocalRead {
  readonly value: Value | undefined
  /** Absent when the key was found, or when another read holds the lease: then nothing may fill it. */
  readonly lease?: FillLease
}

import type { Value } from './value.ts'
import type { LocalSkipReason } from './coherence/coherence-gate.ts'

export type Tier = 'local' | 'redis'

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

/** One key of a batch read: its value (undefined when Redis holds none) and the tier that answered. */
export interface BatchReadOutcome {
  readonly key: string
  readonly value: Value | undefined
  /** `redis` for a miss too: only Redis can say a key is absent (the local tier keeps no misses). */
  readonly source: Tier
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

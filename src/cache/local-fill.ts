import type { Value } from './value.ts'
import type { FillLease, LocalRead, LocalTier } from './tiers/local-tier.ts'

/** PTTL's answers for a key without expiry and for a key that no longer exists. */
export const NO_EXPIRY = -1
export const GONE = -2

/** A shared tier hands out leases (it has `getForFill`); the memory tier answers a plain get. */
export function lookupForFill(local: LocalTier, key: string): Promise<LocalRead> {
  return local.getForFill ? local.getForFill(key) : local.get(key).then((value) => ({ value }))
}

/** A tier that leases is filled only under the lease a read's miss took, before Redis was asked. */
export function fillLocal(local: LocalTier, key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease | undefined): Promise<void> {
  if (!local.fill) return local.set(key, value, ttlSeconds)
  return lease ? local.fill(key, value, ttlSeconds, lease) : Promise.resolve()
}

/**
 * What is left of a Redis expiry of `ttlMs` for a command sent at `sentAt` (performance.now()): Redis
 * started the clock somewhere between sending and answering, so a late answer must not make the copy
 * outlive the key.
 */
export function secondsLeft(ttlMs: number, sentAt: number): number {
  return Math.max(ttlMs - (performance.now() - sentAt), 1) / 1000
}

/**
 * The local copy's expiry for a value Redis answered with this PTTL to a read sent at `sentAt`:
 * seconds, undefined for none, or null when it must not be kept (gone meanwhile). Bounded by the PTTL
 * even with invalidations on: Redis reports an expiry only when its expire cycle reaches the key,
 * measured at over 15 s late with 200k keys holding a TTL (the default).
 */
export function localTtlFor(ttlMs: number, sentAt: number): number | undefined | null {
  if (ttlMs === GONE) return null
  return ttlMs === NO_EXPIRY ? undefined : secondsLeft(ttlMs, sentAt)
}

/**
 * The capability every local tier offers: strings only, expiry in seconds.
 * Implementations wrap exactly one storage; error policy lives in the orchestrator.
 */
export interface LocalTier {
  /** `memory`, `memcached` or `none`: shown in logs, metrics and readiness. */
  readonly name: 'memory' | 'memcached' | 'none'
  get(key: string): Promise<string | undefined>
  /** A synchronous `get`, offered by tiers that answer without I/O (the in-process one): the hot path's fast lane. */
  peek?(key: string): string | undefined
  /** Stores the value; `ttlSeconds` never exceeds the tier's own global expiry. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>
  delete(key: string): Promise<void>
  /** Drops every entry this tier holds for us (after missed invalidations). */
  clear(): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

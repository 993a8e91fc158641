import type { LocalTier } from './local-tier.ts'
import { SieveCache } from './sieve-cache.ts'

export interface MemoryTierOptions {
  capacity: number
  ttlSeconds: number
}

/** In-process cache: at most `capacity` keys; when full, one not read since the last eviction pass goes (see SieveCache). */
export class MemoryTier implements LocalTier {
  readonly name = 'memory' as const
  private readonly entries: SieveCache
  private readonly ttlSeconds: number

  constructor({ capacity, ttlSeconds }: MemoryTierOptions) {
    this.ttlSeconds = ttlSeconds
    this.entries = new SieveCache(capacity)
  }

  get size(): number {
    return this.entries.size
  }

  /** Synchronous read for the hot path; `get` wraps it. */
  peek(key: string): string | undefined {
    return this.entries.get(key)
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key)
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.entries.set(key, value, Math.min(ttlSeconds ?? this.ttlSeconds, this.ttlSeconds) * 1000)
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }

  async clear(): Promise<void> {
    this.entries.clear()
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear()
  }
}

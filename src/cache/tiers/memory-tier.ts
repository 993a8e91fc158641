import { LRUCache } from 'lru-cache'
import type { LocalTier } from './local-tier.ts'

export interface MemoryTierOptions {
  capacity: number
  ttlSeconds: number
}

/** In-process LRU: at most `capacity` keys, the least recently read evicted first. */
export class MemoryTier implements LocalTier {
  readonly name = 'memory' as const
  private readonly entries: LRUCache<string, string>
  private readonly ttlSeconds: number

  constructor({ capacity, ttlSeconds }: MemoryTierOptions) {
    this.ttlSeconds = ttlSeconds
    // ttlAutopurge off: expired entries are dropped lazily on read, no timer per entry.
    this.entries = new LRUCache<string, string>({ max: capacity, ttl: ttlSeconds * 1000, ttlAutopurge: false })
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
    const ttl = ttlSeconds === undefined ? undefined : { ttl: Math.min(ttlSeconds, this.ttlSeconds) * 1000 }
    this.entries.set(key, value, ttl)
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

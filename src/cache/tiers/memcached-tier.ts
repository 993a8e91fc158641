import type { Client } from 'memjs'
import type { LocalTier } from './local-tier.ts'
import { memcachedKeyFor } from './memcached-key.ts'

export interface MemcachedTierOptions {
  client: Client
  ttlSeconds: number
  /** Namespace for our keys in a Memcached that may be shared. */
  keyPrefix?: string
  /** Memcached's default item limit is 1 MiB including its own overhead. */
  maxItemBytes?: number
}

/** A shared local tier on one or more Memcached servers (memjs spreads keys over them). */
export class MemcachedTier implements LocalTier {
  readonly name = 'memcached' as const
  private readonly client: Client
  private readonly ttlSeconds: number
  private readonly keyPrefix: string
  private readonly maxItemBytes: number

  constructor({ client, ttlSeconds, keyPrefix = 'rps:', maxItemBytes = 1024 * 1024 - 512 }: MemcachedTierOptions) {
    this.client = client
    this.ttlSeconds = ttlSeconds
    this.keyPrefix = keyPrefix
    this.maxItemBytes = maxItemBytes
  }

  async get(key: string): Promise<string | undefined> {
    const { value } = await this.client.get(memcachedKeyFor(key, this.keyPrefix))
    return value === null ? undefined : value.toString('utf8')
  }

  async set(key: string, value: string, ttlSeconds = this.ttlSeconds): Promise<void> {
    const mapped = memcachedKeyFor(key, this.keyPrefix)
    if (Buffer.byteLength(value, 'utf8') > this.maxItemBytes) {
      // Too large to cache: make sure no older copy stays behind.
      await this.client.delete(mapped)
      return
    }
    // Memcached counts whole seconds: round down, so a copy never outlives the Redis key it came from.
    const expires = Math.floor(Math.min(ttlSeconds, this.ttlSeconds))
    if (expires < 1) {
      await this.client.delete(mapped)
      return
    }
    const stored = await this.client.set(mapped, value, { expires })
    if (!stored) await this.client.delete(mapped)
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(memcachedKeyFor(key, this.keyPrefix))
  }

  async clear(): Promise<void> {
    await this.client.flush()
  }

  async ping(): Promise<void> {
    await this.client.get(`${this.keyPrefix}#ping`)
  }

  async close(): Promise<void> {
    this.client.close()
  }
}

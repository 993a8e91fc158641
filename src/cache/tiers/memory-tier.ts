import { LRUCache } from 'lru-cache'
import { ENTITY_TAG_LENGTH, entityTag, type TaggedValue } from '../entity-tag.ts'
import type { Value } from '../value.ts'
import type { LocalTier } from './local-tier.ts'

export interface MemoryTierOptions {
  capacity: number
  ttlSeconds: number
}

/**
 * A text value is held as one string, its entity tag then the text: 24 bytes more per entry instead
 * of an object and a second string (~80 bytes, 1,000,000 entries would outgrow 400 MB), and a hit
 * neither hashes nor allocates more than two slices. Bytes that are not text (rare) keep an object.
 */
type Entry = string | TaggedValue

/**
 * The tag then the text, as one flat string: `join` builds one where `tag + text` makes a rope (V8's
 * ConsString, JSC's rope) that keeps both parts alive, +160 MB for 1,000,000 entries on Bun.
 */
function packed(text: string): string {
  return [entityTag(text), text].join('')
}

/** In-process LRU: at most `capacity` keys, the least recently read evicted first. */
export class MemoryTier implements LocalTier {
  readonly name = 'memory' as const
  private readonly entries: LRUCache<string, Entry>
  private readonly ttlSeconds: number

  constructor({ capacity, ttlSeconds }: MemoryTierOptions) {
    this.ttlSeconds = ttlSeconds
    // ttlAutopurge off: expired entries are dropped lazily on read, no timer per entry.
    this.entries = new LRUCache<string, Entry>({ max: capacity, ttl: ttlSeconds * 1000, ttlAutopurge: false })
  }

  get size(): number {
    return this.entries.size
  }

  /** Synchronous read for the hot path, with the value's tag. */
  peek(key: string): TaggedValue | undefined {
    const entry = this.entries.get(key)
    if (typeof entry !== 'string') return entry
    return { value: entry.slice(ENTITY_TAG_LENGTH), etag: entry.slice(0, ENTITY_TAG_LENGTH) }
  }

  async get(key: string): Promise<Value | undefined> {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    return typeof entry === 'string' ? entry.slice(ENTITY_TAG_LENGTH) : entry.value
  }

  async set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds === undefined ? undefined : { ttl: Math.min(ttlSeconds, this.ttlSeconds) * 1000 }
    this.entries.set(key, typeof value === 'string' ? packed(value) : { value, etag: entityTag(value) }, ttl)
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

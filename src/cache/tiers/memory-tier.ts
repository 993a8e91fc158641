import { LRUCache } from 'lru-cache'
import { ENTITY_TAG_LENGTH, entityTag, LazilyTaggedValue, type TaggedValue } from '../entity-tag.ts'
import type { Value } from '../value.ts'
import type { LocalTier } from './local-tier.ts'

export interface MemoryTierOptions {
  capacity: number
  ttlSeconds: number
  /** Byte budget of keys and values together (LOCAL_MAX_BYTES); a value larger than it is not cached. */
  maxBytes?: number
  /** Milliseconds on a monotonic clock, for expiry; tests pass their own instead of waiting. */
  now?: () => number
}

/** LOCAL_MAX_BYTES's default: 256 MiB. */
export const DEFAULT_LOCAL_MAX_BYTES = 256 * 1024 * 1024

/**
 * A text value is held as the string it came as, its tag computed on a hit that shows it
 * (LazilyTaggedValue): storing the tag with it meant a new string per value, its tag then the text,
 * and with the received string freed among the live entries, 1,000,000 entries of 100 bytes held
 * 423 MB on Bun against 367 MB this way (bench/memory-tier.ts). Bytes that are not text (rare) keep
 * an object with their tag.
 */
type Entry = string | TaggedValue

/** What lru-cache, the Map behind it and the key's string cost per entry besides the characters. */
const ENTRY_OVERHEAD_BYTES = 96

/** Bytes a string takes in the engine: one per character while all are Latin-1, else two. */
function stringBytes(text: string): number {
  return /[\u0100-\uffff]/.test(text) ? text.length * 2 : text.length
}

/** An entry's rough size in memory, for the byte budget. */
function entryBytes(key: string, entry: Entry): number {
  const held = typeof entry === 'string' ? stringBytes(entry) : entry.value.length + ENTITY_TAG_LENGTH
  return ENTRY_OVERHEAD_BYTES + stringBytes(key) + held
}

/** In-process LRU: at most `capacity` keys and `maxBytes` bytes, the least recently read evicted first. */
export class MemoryTier implements LocalTier {
  readonly name = 'memory' as const
  private readonly entries: LRUCache<string, Entry>
  private readonly ttlSeconds: number

  constructor({ capacity, ttlSeconds, maxBytes = DEFAULT_LOCAL_MAX_BYTES, now }: MemoryTierOptions) {
    this.ttlSeconds = ttlSeconds
    // ttlAutopurge off: expired entries are dropped lazily on read, no timer per entry. An entry over
    // maxBytes is refused by lru-cache, which then also drops the key's older copy.
    this.entries = new LRUCache<string, Entry>({
      max: capacity,
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => entryBytes(key, entry),
      ttl: ttlSeconds * 1000,
      ttlAutopurge: false,
      // An injected clock is read on every check: lru-cache otherwise keeps one reading for 1 ms of real time.
      ...(now && { perf: { now }, ttlResolution: 0 }),
    })
  }

  /** Bytes held, as the budget counts them. */
  get bytes(): number {
    return this.entries.calculatedSize
  }

  get size(): number {
    return this.entries.size
  }

  /** Synchronous read for the hot path, with the value's tag (computed if the caller reads it). */
  peek(key: string): TaggedValue | undefined {
    const entry = this.entries.get(key)
    return typeof entry === 'string' ? new LazilyTaggedValue(entry) : entry
  }

  async get(key: string): Promise<Value | undefined> {
    const entry = this.entries.get(key)
    return typeof entry === 'string' || entry === undefined ? entry : entry.value
  }

  async set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds === undefined ? undefined : { ttl: Math.min(ttlSeconds, this.ttlSeconds) * 1000 }
    this.entries.set(key, typeof value === 'string' ? value : { value, etag: entityTag(value) }, ttl)
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

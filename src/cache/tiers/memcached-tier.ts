import { bytesOf, valueFromBytes, type Value } from '../value.ts'
import type { FillLease, LocalRead, LocalTier } from './local-tier.ts'
import { memcachedKeyFor } from './memcached-key.ts'
import type { MetaClient, MetaReply } from './memcached-meta-client.ts'

export interface MemcachedTierOptions {
  client: MetaClient
  ttlSeconds: number
  /** Namespace for our keys in a Memcached that may be shared. */
  keyPrefix?: string
  /** Memcached's default item limit is 1 MiB including its own overhead; the server may be set lower (`-I`). */
  maxItemBytes?: number
  /** How long a miss's placeholder (its lease) lives: longer than a Redis read, short enough that a lost one soon expires. */
  leaseSeconds?: number
  /** Where a namespace generation starts when the server holds none (a new or restarted server). */
  firstGeneration?: () => bigint
}

/** Tries before giving up when the generation keeps moving under an operation (clears racing it). */
const GENERATION_TRIES = 3

/**
 * A shared local tier on one Memcached server, spoken to in its meta protocol.
 *
 * Never `flush_all`: the server may hold other applications' keys. Every key of ours carries a namespace
 * generation, kept on the server itself (`<prefix>generation`); clearing bumps it, which makes every copy
 * of ours unreachable for every instance at once. Each operation reads the generation in the same
 * round trip (pipelined before it) and is redone in the new namespace when it has moved, so no instance
 * acts on a namespace another has cleared.
 *
 * Leases (as in "Scaling Memcache at Facebook", §3.2.1): a miss leaves a placeholder (`mg … N`) and the
 * reader that created it gets its CAS; the copy read from Redis is stored only with that CAS (`ms … C`),
 * so a delete or a write of the key by any instance in between defeats the fill. Other readers that
 * meet the placeholder read Redis without filling.
 */
export class MemcachedTier implements LocalTier {
  readonly name = 'memcached' as const
  private readonly client: MetaClient
  private readonly ttlSeconds: number
  private readonly keyPrefix: string
  private readonly generationKey: string
  private readonly maxItemBytes: number
  private readonly leaseSeconds: number
  private readonly firstGeneration: () => bigint
  /** The namespace generation as last read from the server. */
  private generation: string | undefined

  constructor({
    client,
    ttlSeconds,
    keyPrefix = 'rps:',
    maxItemBytes = 1024 * 1024 - 512,
    leaseSeconds = 2,
    // Microseconds since the epoch: a generation recreated after an eviction or restart is above every earlier one.
    firstGeneration = () => BigInt(Date.now()) * 1000n,
  }: MemcachedTierOptions) {
    this.client = client
    this.ttlSeconds = ttlSeconds
    this.keyPrefix = keyPrefix
    this.generationKey = `${keyPrefix}generation`
    this.maxItemBytes = maxItemBytes
    this.leaseSeconds = leaseSeconds
    this.firstGeneration = firstGeneration
  }

  async get(key: string): Promise<Value | undefined> {
    const reply = await this.inCurrentNamespace((entry) => this.client.request(`mg ${entry(key)} v`))
    return isValue(reply) ? valueFromBytes(reply.value!) : undefined
  }

  async getForFill(key: string): Promise<LocalRead> {
    let entry = ''
    const reply = await this.inCurrentNamespace((entryFor) => {
      entry = entryFor(key)
      return this.client.request(`mg ${entry} v c N${this.leaseSeconds}`)
    })
    if (isValue(reply)) return { value: valueFromBytes(reply.value!) }
    // W: this read created the placeholder and alone may fill it.
    if (!reply.flags.includes('W')) return { value: undefined }
    const cas = reply.flags.find((flag) => flag.startsWith('c'))
    return cas ? { value: undefined, lease: { entry, token: cas.slice(1) } } : { value: undefined }
  }

  async fill(key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease): Promise<void> {
    const expires = this.expiryFor(ttlSeconds)
    const data = bytesOf(value)
    // A copy that cannot be kept is not filled; the placeholder expires by itself.
    if (expires < 1 || data.length > this.maxItemBytes) return
    // Not in the current namespace on purpose: a fill into a cleared one is unreachable, which is harmless.
    const reply = await this.client.request(`ms ${lease.entry} ${data.length} C${lease.token} T${expires}`, data)
    // EX (changed) and NF (deleted) are the lease at work; an item too large is simply not cached.
    if (reply.status !== 'HD' && reply.status !== 'EX' && reply.status !== 'NF' && !isRefusedItem(reply)) throw unexpected(reply, 'ms')
  }

  async set(key: string, value: Value, ttlSeconds = this.ttlSeconds): Promise<void> {
    const expires = this.expiryFor(ttlSeconds)
    const data = bytesOf(value)
    await this.inCurrentNamespace(async (entryFor) => {
      const entry = entryFor(key)
      // Not kept (too large, or under a second to live): make sure no older copy stays behind.
      if (expires < 1 || data.length > this.maxItemBytes) return this.deleteEntry(entry)
      const reply = await this.client.request(`ms ${entry} ${data.length} T${expires}`, data)
      if (reply.status === 'HD') return
      if (isRefusedItem(reply)) return this.deleteEntry(entry)
      throw unexpected(reply, 'ms')
    })
  }

  async delete(key: string): Promise<void> {
    await this.inCurrentNamespace((entryFor) => this.deleteEntry(entryFor(key)))
  }

  /** Bumps the namespace generation: every copy of ours becomes unreachable, other applications' keys stay. */
  async clear(): Promise<void> {
    const reply = await this.client.request(`ma ${this.generationKey} N0 J${this.firstGeneration()} v`)
    this.generation = generationOf(reply)
  }

  async ping(): Promise<void> {
    const reply = await this.client.request('mn')
    if (reply.status !== 'MN') throw unexpected(reply, 'mn')
  }

  async close(): Promise<void> {
    this.client.close()
  }

  /** Memcached counts whole seconds: round down, so a copy never outlives the Redis key it came from. */
  private expiryFor(ttlSeconds: number | undefined): number {
    return Math.floor(Math.min(ttlSeconds ?? this.ttlSeconds, this.ttlSeconds))
  }

  private async deleteEntry(entry: string): Promise<void> {
    const reply = await this.client.request(`md ${entry}`)
    if (reply.status !== 'HD' && reply.status !== 'NF') throw unexpected(reply, 'md')
  }

  /**
   * Runs `operation` in the namespace last seen, with the generation read in the same round trip;
   * when the generation has moved, the operation is run again in the new namespace.
   */
  private async inCurrentNamespace<T>(operation: (entryFor: (key: string) => string) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < GENERATION_TRIES; attempt++) {
      const known = this.generation
      // Created if absent, never expiring; a delta of 0 only reads it.
      const current = this.client.request(`ma ${this.generationKey} N0 J${this.firstGeneration()} D0 v`)
      if (known === undefined) {
        this.generation = generationOf(await current)
        continue
      }
      const prefix = `${this.keyPrefix}${known}:`
      const [reply, result] = await Promise.all([current, operation((key) => memcachedKeyFor(key, prefix))])
      const generation = generationOf(reply)
      if (generation === known) return result
      this.generation = generation
    }
    throw new Error(`The namespace generation of ${this.keyPrefix} on ${this.client.address} kept changing.`)
  }
}

/** A stored value: `VA`, and not a lease's placeholder (W: ours, Z: another reader's) nor a stale item (X). */
function isValue(reply: MetaReply): boolean {
  return reply.status === 'VA' && !reply.flags.some((flag) => flag === 'W' || flag === 'Z' || flag === 'X')
}

/** The server would not keep this item (larger than its `-I`, or no memory for it): not an outage. */
function isRefusedItem(reply: MetaReply): boolean {
  return reply.status === 'SERVER_ERROR' && (reply.flags.join(' ').includes('too large') || reply.flags.join(' ').includes('out of memory'))
}

function generationOf(reply: MetaReply): string {
  if (reply.status !== 'VA' || !reply.value) throw unexpected(reply, 'ma')
  return reply.value.toString('latin1')
}

function unexpected(reply: MetaReply, command: string): Error {
  return new Error(`memcached answered ${command} with ${[reply.status, ...reply.flags].join(' ')}`)
}

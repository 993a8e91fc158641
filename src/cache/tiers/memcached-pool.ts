import type { Value } from '../value.ts'
import type { GuardedLocalTier } from './guarded-local-tier.ts'
import { KetamaRing } from './ketama-ring.ts'
import type { FillLease, LocalRead, LocalTier } from './local-tier.ts'

/** One server of the pool behind its own circuit breaker. */
export interface PoolNode {
  /** `host:port`, as the ring hashes it (libketama's server string). */
  readonly address: string
  readonly tier: GuardedLocalTier
}

/**
 * The shared tier over several Memcached servers: each key lives on one server, chosen by a ketama
 * ring, and each server has its own breaker. A dead or frozen server costs only its own keys (their
 * reads go to Redis) while the others keep serving; its return clears only its own namespace.
 */
export class MemcachedPool implements LocalTier {
  readonly name = 'memcached' as const
  readonly nodes: readonly PoolNode[]
  private readonly ring: KetamaRing<PoolNode>

  constructor(nodes: readonly PoolNode[]) {
    this.nodes = nodes
    this.ring = new KetamaRing(nodes)
  }

  /** The server that holds `key`. */
  nodeFor(key: string): PoolNode {
    return this.ring.serverFor(key)
  }

  get(key: string): Promise<Value | undefined> {
    return this.nodeFor(key).tier.get(key)
  }

  getForFill(key: string): Promise<LocalRead> {
    const { tier } = this.nodeFor(key)
    return tier.getForFill ? tier.getForFill(key) : tier.get(key).then((value) => ({ value }))
  }

  fill(key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease): Promise<void> {
    const { tier } = this.nodeFor(key)
    return tier.fill ? tier.fill(key, value, ttlSeconds, lease) : tier.set(key, value, ttlSeconds)
  }

  set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    return this.nodeFor(key).tier.set(key, value, ttlSeconds)
  }

  delete(key: string): Promise<void> {
    return this.nodeFor(key).tier.delete(key)
  }

  /**
   * Clears every server's namespace. A server that cannot be reached now has its breaker open (a failed
   * clear opens it), and its probe clears it before it is used again; the failure is still reported.
   */
  async clear(): Promise<void> {
    await everyNode(this.nodes.map(({ tier }) => tier.clear()))
  }

  /** Answers while any server does: the tier serves, if only for some keys. */
  async ping(): Promise<void> {
    await Promise.any(this.nodes.map(({ tier }) => tier.ping()))
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map(({ tier }) => tier.close()))
  }
}

async function everyNode(calls: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
}

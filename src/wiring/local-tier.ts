import { GuardedLocalTier, type CircuitChange } from '../cache/tiers/guarded-local-tier.ts'
import type { LocalTier } from '../cache/tiers/local-tier.ts'
import { MetaClient } from '../cache/tiers/memcached-meta-client.ts'
import { MemcachedPool } from '../cache/tiers/memcached-pool.ts'
import { MemcachedTier } from '../cache/tiers/memcached-tier.ts'
import { MemoryTier } from '../cache/tiers/memory-tier.ts'
import { NoLocalTier } from '../cache/tiers/no-local-tier.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'

/** A Memcached on the network answers in well under a millisecond; one that takes this long is treated as down. */
const MEMCACHED_TIMEOUT_MS = 150

export interface LocalTierWiring {
  logger: Logger
  /** Told of every change of the shared tier's circuit breaker. */
  onBreakerChange: (change: CircuitChange) => void
}

/** The local tier LOCAL_CACHE names, a shared one behind its circuit breaker. */
export function createLocalTier(config: Config, { onBreakerChange }: LocalTierWiring): LocalTier {
  switch (config.localCache) {
    case 'memory':
      return new MemoryTier({ capacity: config.localCapacity, maxBytes: config.localMaxBytes, ttlSeconds: config.localTtlSeconds })
    case 'memcached':
      return createMemcachedPool(config, onBreakerChange)
    case 'none':
      return new NoLocalTier()
  }
}

/** MEMCACHED_SERVERS as a pool: keys spread by a ketama ring, one client and one circuit breaker per server. */
export function createMemcachedPool(config: Pick<Config, 'memcachedServers' | 'localTtlSeconds'>, onBreakerChange: (change: CircuitChange) => void): MemcachedPool {
  const nodes = config.memcachedServers.map(({ host, port }) => {
    const client = new MetaClient({ host, port, timeoutMs: MEMCACHED_TIMEOUT_MS })
    return { address: client.address, tier: guard(new MemcachedTier({ client, ttlSeconds: config.localTtlSeconds }), onBreakerChange, client.address) }
  })
  return new MemcachedPool(nodes)
}

/** A shared tier (Memcached) goes behind a circuit breaker, a pool one per server; an in-process one needs none. */
export function guardSharedTier(tier: LocalTier, onBreakerChange: (change: CircuitChange) => void): LocalTier {
  if (tier.name !== 'memcached' || tier instanceof GuardedLocalTier || tier instanceof MemcachedPool) return tier
  return guard(tier, onBreakerChange)
}

function guard(tier: LocalTier, onBreakerChange: (change: CircuitChange) => void, node?: string): GuardedLocalTier {
  onBreakerChange({ tier: tier.name, ...(node === undefined ? {} : { node }), from: 'closed', to: 'closed', reason: 'started' })
  // A little above the client's own timeout, which then tears the stalled connection down first.
  return new GuardedLocalTier({ tier, node, callTimeoutMs: MEMCACHED_TIMEOUT_MS + 50, onStateChange: onBreakerChange })
}

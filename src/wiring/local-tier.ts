import memjs from 'memjs'
import { GuardedLocalTier, type CircuitChange } from '../cache/tiers/guarded-local-tier.ts'
import type { LocalTier } from '../cache/tiers/local-tier.ts'
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
export function createLocalTier(config: Config, { logger, onBreakerChange }: LocalTierWiring): LocalTier {
  switch (config.localCache) {
    case 'memory':
      return new MemoryTier({ capacity: config.localCapacity, ttlSeconds: config.localTtlSeconds })
    case 'memcached': {
      const servers = config.memcachedServers.map(({ host, port }) => `${host}:${port}`).join(',')
      // One try per call (memjs retries with a 0.2 s sleep otherwise); the breaker stops asking a dead server.
      const client = memjs.Client.create(servers, {
        retries: 1,
        timeout: MEMCACHED_TIMEOUT_MS / 1000,
        conntimeout: (2 * MEMCACHED_TIMEOUT_MS) / 1000,
        keepAlive: true,
        logger: { log: (...args: unknown[]) => logger.debug('memcached client', { detail: args.map(String).join(' ') }) },
      })
      return guardSharedTier(new MemcachedTier({ client, ttlSeconds: config.localTtlSeconds }), onBreakerChange)
    }
    case 'none':
      return new NoLocalTier()
  }
}

/** A shared tier (Memcached) goes behind a circuit breaker; an in-process one needs none. */
export function guardSharedTier(tier: LocalTier, onBreakerChange: (change: CircuitChange) => void): LocalTier {
  if (tier.name !== 'memcached' || tier instanceof GuardedLocalTier) return tier
  onBreakerChange({ tier: tier.name, from: 'closed', to: 'closed', reason: 'started' })
  // A little above memjs' own timeout, which then tears the stalled connection down first.
  return new GuardedLocalTier({ tier, callTimeoutMs: MEMCACHED_TIMEOUT_MS + 50, onStateChange: onBreakerChange })
}

import { Redis } from 'ioredis'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { InvalidationListener } from './invalidation-listener.ts'
import { createRedisClient, type RedisClient } from './redis-client.ts'
import type { TieredCache } from './tiered-cache.ts'

export interface StartInvalidationsOptions {
  config: Pick<Config, 'localInvalidation' | 'localCache' | 'redisUrl' | 'redisClusterNodes' | 'redisTimeoutMs'>
  data: RedisClient
  cache: TieredCache
  logger: Logger
}

/**
 * Starts keeping the local tier coherent as the configuration asks; returns the listener, or
 * undefined when local copies are only bounded by TTL (LOCAL_INVALIDATION=off, no local tier, Cluster).
 */
export function startInvalidations({ config, data, cache, logger }: StartInvalidationsOptions): InvalidationListener | undefined {
  if (config.localInvalidation === 'off' || config.localCache === 'none') return undefined
  if (!(data instanceof Redis)) {
    // Tracking redirects only to a connection on the same node: a Cluster needs one subscriber per node (not built yet).
    logger.warn('invalidations are not available with Redis Cluster yet: local copies are only bounded by their TTL')
    return undefined
  }
  // RESP2: ioredis 6 drops the RESP3 invalidation pushes; a RESP2 subscriber gets them as messages.
  const subscriber = createRedisClient(config, { protocol: 2, enableAutoPipelining: false, autoResubscribe: false }) as Redis
  const listener = new InvalidationListener({ data, subscriber, cache, logger })
  listener.start()
  return listener
}

import { Redis } from 'ioredis'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { ClusterInvalidations } from '../cache/coherence/cluster-invalidations.ts'
import { InvalidationListener } from '../cache/coherence/invalidation-listener.ts'
import { createRedisClient, redisOptions, type RedisClient } from './redis-client.ts'
import type { TieredCache } from '../cache/tiered-cache.ts'

export interface StartInvalidationsOptions {
  config: Pick<Config, 'localInvalidation' | 'localCache' | 'redisUrl' | 'redisClusterNodes' | 'redisSentinel' | 'redisTimeoutMs' | 'maxStalenessMs'>
  data: RedisClient
  cache: TieredCache
  logger: Logger
  /** Each answered heartbeat's round trip, in ms. */
  onHeartbeat?: (roundTripMs: number) => void
}

/** What keeps the local tier coherent, single node or Cluster. */
export interface Invalidations {
  /** Resolves once local copies may be served (start-up waits for it, briefly). */
  readonly decided: Promise<void>
  close(): Promise<void>
}

/**
 * RESP2 for every subscriber: ioredis 6 drops the RESP3 invalidation pushes; a RESP2 subscriber gets them
 * as messages. Every command it sends (CLIENT ID, INFO, SUBSCRIBE, PING) means something on its own
 * connection only, so one left unanswered by a drop fails there and then (maxRetriesPerRequest 0) instead
 * of being sent again on the next connection (ioredis' autoResendUnfulfilledCommands): a SUBSCRIBE that
 * timed out would land there ahead of the next attempt, whose CLIENT ID Redis then refuses ("only
 * SUBSCRIBE … allowed in this context"), and that refusal stopped tracking for good.
 */
const SUBSCRIBER_OPTIONS = { protocol: 2, enableAutoPipelining: false, autoResubscribe: false, maxRetriesPerRequest: 0 } as const

/**
 * Starts keeping the local tier coherent as the configuration asks; undefined when local copies
 * are only bounded by their TTL (LOCAL_INVALIDATION=off) or there are none (LOCAL_CACHE=none).
 */
export function startInvalidations({ config, data, cache, logger, onHeartbeat }: StartInvalidationsOptions): Invalidations | undefined {
  if (config.localInvalidation === 'off' || config.localCache === 'none') return undefined
  const { gate } = cache
  const heartbeat = {
    // Four heartbeats per bound: one late or lost PONG does not yet set the local tier aside.
    heartbeatIntervalMs: Math.max(1, Math.floor(config.maxStalenessMs / 4)),
    // Silent for this long while open: taken for a half-dead connection and reconnected.
    heartbeatLostAfterMs: Math.max(config.redisTimeoutMs, 2 * config.maxStalenessMs),
    onHeartbeat,
  }
  if (data instanceof Redis) {
    const subscriber = createRedisClient(config, SUBSCRIBER_OPTIONS) as Redis
    const listener = new InvalidationListener({ data, subscriber, cache, gate, logger, ...heartbeat })
    listener.start()
    return listener
  }
  const invalidations = new ClusterInvalidations({
    cluster: data,
    cache,
    gate,
    logger,
    heartbeat,
    // The node's own options (address, credentials, TLS), with reconnects: a node connection of the pool has none.
    subscriberFor: (node) => new Redis({ ...node.options, ...redisOptions(config), ...SUBSCRIBER_OPTIONS, lazyConnect: false, readOnly: false }),
  })
  invalidations.start()
  return invalidations
}

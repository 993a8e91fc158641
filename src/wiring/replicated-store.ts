import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { IoRedisStore, type RedisStore } from '../cache/redis/redis-store.ts'
import { ReplicaAcknowledgements, writeConnections } from '../cache/redis/replica-acknowledgements.ts'
import { ReplicatedRedisStore } from '../cache/redis/replicated-redis-store.ts'
import { createRedisClient, type RedisClient } from './redis-client.ts'

type ReplicatedStoreConfig = Pick<Config, 'redisMinReplicas' | 'redisTimeoutMs' | 'redisUrl' | 'redisClusterNodes' | 'redisSentinel'>

/**
 * The store for REDIS_MIN_REPLICAS > 0: reads on `reads`, writes on a client of their own that
 * follows the same topology, each write confirmed by WAIT there.
 */
export function createReplicatedStore(config: ReplicatedStoreConfig, reads: RedisClient, logger: Logger): RedisStore {
  const writer = createRedisClient(config)
  // The data connection's listener reports Redis being down; this one only says what is particular to it.
  writer.on('error', (error: Error) => logger.debug('redis write connection error', { error: error.message }))
  const acknowledgements = new ReplicaAcknowledgements({
    replicas: config.redisMinReplicas,
    // Half the command timeout: WAIT's answer still arrives before ioredis gives up on it.
    timeoutMs: Math.max(1, Math.floor(config.redisTimeoutMs / 2)),
    locate: writeConnections(writer),
  })
  return new ReplicatedRedisStore(new IoRedisStore(reads), new IoRedisStore(writer), acknowledgements)
}

import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { Config } from '../config.ts'

export type RedisClient = Redis | Cluster

type RedisClientConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisTimeoutMs'>

/** Fail-fast options for a proxy: no offline queue, a command timeout, reconnect with capped backoff. */
export function redisOptions({ redisTimeoutMs }: Pick<Config, 'redisTimeoutMs'>): RedisOptions {
  return {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    commandTimeout: redisTimeoutMs,
    connectTimeout: Math.max(redisTimeoutMs, 1000),
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  }
}

/** Builds the ioredis client the configuration asks for; the caller attaches listeners and owns it. */
export function createRedisClient(config: RedisClientConfig, overrides: RedisOptions = {}): RedisClient {
  const options = { ...redisOptions(config), ...overrides }
  if (config.redisClusterNodes) {
    const url = new URL(config.redisUrl)
    return new Cluster(
      config.redisClusterNodes.map(({ host, port }) => ({ host, port })),
      {
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: options.retryStrategy,
        redisOptions: {
          ...options,
          username: url.username ? decodeURIComponent(url.username) : undefined,
          password: url.password ? decodeURIComponent(url.password) : undefined,
          tls: url.protocol === 'rediss:' ? {} : undefined,
        },
      },
    )
  }
  return new Redis(config.redisUrl, options)
}

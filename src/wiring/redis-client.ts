import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { Config } from '../config.ts'

export type RedisClient = Redis | Cluster

type RedisClientConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisTimeoutMs'> & Partial<Pick<Config, 'redisSentinel'>>

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
    return new Cluster(
      config.redisClusterNodes.map(({ host, port }) => ({ host, port })),
      {
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: options.retryStrategy,
        redisOptions: { ...options, ...credentials(config.redisUrl) },
      },
    )
  }
  if (config.redisSentinel) return new Redis({ ...sentinelOptions(config.redisSentinel, config.redisUrl), ...options, ...sentinelRetries(overrides) })
  return new Redis(config.redisUrl, options)
}

/** User, password and TLS from REDIS_URL: the nodes' credentials when the URL's address is not the one used. */
function credentials(redisUrl: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const url = new URL(redisUrl)
  return {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  }
}

/**
 * The master is whatever the sentinels name now: ioredis asks them on every (re)connect and checks the
 * server's role. A demoted master that stayed up is left too: the sentinels kill its clients when they
 * reconfigure it (and a write it refuses reconnects). Not ioredis' `failoverDetector`: its disconnect
 * lands on a client that is reconnecting and ends it for good (seen with ioredis 6.0 on Node).
 * REDIS_URL still gives the master's credentials, db and TLS.
 */
function sentinelOptions(sentinel: NonNullable<Config['redisSentinel']>, redisUrl: string): RedisOptions {
  return {
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    sentinelPassword: sentinel.password,
    role: 'master',
    // A write that reached a demoted master is refused (READONLY), not applied: leave it for the new one.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...credentials(redisUrl),
    db: Number(new URL(redisUrl).pathname.slice(1)) || 0,
  }
}

/** During a failover the old master refuses connections for a while: retry often, asking the sentinels each time. */
function sentinelRetries(overrides: RedisOptions): Pick<RedisOptions, 'retryStrategy' | 'sentinelRetryStrategy'> {
  const retry = (attempt: number) => Math.min(50 * 2 ** attempt, 250)
  return { retryStrategy: overrides.retryStrategy ?? retry, sentinelRetryStrategy: retry }
}

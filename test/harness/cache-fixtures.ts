import { Redis } from 'ioredis'
import type { LocalTier } from '../../src/cache/tiers/local-tier.ts'
import { MetaClient } from '../../src/cache/tiers/memcached-meta-client.ts'
import { MemcachedTier } from '../../src/cache/tiers/memcached-tier.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { NoLocalTier } from '../../src/cache/tiers/no-local-tier.ts'
import { type TieredCache } from '../../src/cache/tiered-cache.ts'
import { redisOptions } from '../../src/wiring/redis-client.ts'
import { createLogger, type Logger } from '../../src/logger.ts'
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts'
import { buildProxy, type Proxy } from '../../src/wiring/build-proxy.ts'
import { loadConfig } from '../../src/config.ts'
import { Registry } from 'prom-client'
import type { ServiceProcess } from './service-process.ts'

/** A fail-fast ioredis client like the proxy's, on a test server. */
export function redisClientFor(redis: ServiceProcess, timeoutMs = 1000): Redis {
  const client = new Redis({ ...redisOptions({ redisTimeoutMs: timeoutMs }), port: redis.port, host: '127.0.0.1', enableOfflineQueue: true })
  client.on('error', () => {})
  return client
}

/** A plain client for the tests' own look at Redis. */
export function redisInspector(redis: ServiceProcess): Redis {
  const client = new Redis({ port: redis.port, host: '127.0.0.1', protocol: 2 })
  client.on('error', () => {})
  return client
}

export function memcachedClientFor(memcached: ServiceProcess, timeoutMs = 500): MetaClient {
  return new MetaClient({ host: '127.0.0.1', port: memcached.port, timeoutMs })
}

export type LocalKind = 'memory' | 'memcached' | 'none'

export function localTierFor(kind: LocalKind, memcached?: ServiceProcess, ttlSeconds = 300): LocalTier {
  if (kind === 'memory') return new MemoryTier({ capacity: 1000, ttlSeconds })
  if (kind === 'none') return new NoLocalTier()
  if (!memcached) throw new Error('a memcached tier needs a memcached process')
  return new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds, keyPrefix: `t${Math.random().toString(36).slice(2, 8)}:` })
}

export interface AppFixture {
  app: Proxy['app']
  cache: TieredCache
  local: LocalTier
  redis: Redis
  proxy: Proxy
  close(): Promise<void>
}

export interface AppFixtureOptions {
  maxValueBytes?: number
  redisTtlSeconds?: number
  maxConcurrentRequests?: number
  apiToken?: string
  /** Receives the app's log output (JSON lines); without it the log is silent. */
  logWrite?: (chunk: string) => void
  /** A logger of the test's own, instead of logWrite's. */
  logger?: Logger
  /** Metrics of the test's own; by default a fresh registry without process metrics. */
  metrics?: ProxyMetrics
  /** More configuration, as environment variables (e.g. LOCAL_INVALIDATION: 'tracking'). */
  env?: Record<string, string>
}

/**
 * The proxy as main.ts builds it (buildProxy), on test servers, for `app.request()` tests. Invalidations
 * are off unless `env` turns them on: these tests are about HTTP, and tracking suspends the local tier
 * for its first milliseconds; test/coherence runs the real processes with tracking on.
 */
export function appFixture(
  redisServer: ServiceProcess,
  local: LocalTier,
  { maxValueBytes = 1048576, redisTtlSeconds = 3000, maxConcurrentRequests = 1024, apiToken, logWrite, logger, metrics, env = {} }: AppFixtureOptions = {},
): AppFixture {
  const redis = redisClientFor(redisServer)
  const config = loadConfig({
    REDIS_URL: `redis://127.0.0.1:${redisServer.port}`,
    LOCAL_CACHE: local.name,
    LOCAL_INVALIDATION: 'off',
    MAX_VALUE_BYTES: String(maxValueBytes),
    REDIS_TTL_SECONDS: String(redisTtlSeconds),
    MAX_CONCURRENT_REQUESTS: String(maxConcurrentRequests),
    API_TOKEN: apiToken,
    ...env,
  })
  logger ??= logWrite ? createLogger({ level: 'debug', write: logWrite, maxBufferBytes: 0 }) : createLogger({ level: 'silent' })
  metrics ??= new ProxyMetrics({ registry: new Registry(), localTier: local.name, processMetrics: false })
  const proxy = buildProxy(config, { redis, logger, local, metrics })
  return {
    app: proxy.app,
    cache: proxy.cache,
    local: proxy.local,
    redis,
    proxy,
    close: () => proxy.close(),
  }
}

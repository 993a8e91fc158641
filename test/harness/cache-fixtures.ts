import { Redis } from 'ioredis'
import memjs from 'memjs'
import { createApp } from '../../src/app.ts'
import { IoRedisStore } from '../../src/cache/redis/redis-store.ts'
import { createReadinessProbe } from '../../src/cache/readiness.ts'
import type { LocalTier } from '../../src/cache/tiers/local-tier.ts'
import { MemcachedTier } from '../../src/cache/tiers/memcached-tier.ts'
import { MemoryTier } from '../../src/cache/tiers/memory-tier.ts'
import { NoLocalTier } from '../../src/cache/tiers/no-local-tier.ts'
import { TieredCache } from '../../src/cache/tiered-cache.ts'
import { redisOptions } from '../../src/wiring/redis-client.ts'
import { createLogger, type Logger } from '../../src/logger.ts'
import type { ProxyMetrics } from '../../src/metrics/proxy-metrics.ts'
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

export function memcachedClientFor(memcached: ServiceProcess): memjs.Client {
  return memjs.Client.create(`127.0.0.1:${memcached.port}`, { retries: 0, timeout: 0.5, logger: { log: () => {} } })
}

export type LocalKind = 'memory' | 'memcached' | 'none'

export function localTierFor(kind: LocalKind, memcached?: ServiceProcess, ttlSeconds = 300): LocalTier {
  if (kind === 'memory') return new MemoryTier({ capacity: 1000, ttlSeconds })
  if (kind === 'none') return new NoLocalTier()
  if (!memcached) throw new Error('a memcached tier needs a memcached process')
  return new MemcachedTier({ client: memcachedClientFor(memcached), ttlSeconds, keyPrefix: `t${Math.random().toString(36).slice(2, 8)}:` })
}

export interface AppFixture {
  app: ReturnType<typeof createApp>
  cache: TieredCache
  local: LocalTier
  redis: Redis
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
  /** Wires its cache events too, as main.ts does. */
  metrics?: ProxyMetrics
}

/** The app wired as main.ts wires it, on test servers, for `app.request()` tests. */
export function appFixture(
  redisServer: ServiceProcess,
  local: LocalTier,
  { maxValueBytes = 1048576, redisTtlSeconds = 3000, maxConcurrentRequests = 1024, apiToken, logWrite, logger, metrics }: AppFixtureOptions = {},
): AppFixture {
  const redis = redisClientFor(redisServer)
  const store = new IoRedisStore(redis)
  const cache = new TieredCache({ local, redis: store, redisTtlSeconds, events: metrics?.cacheEvents })
  logger ??= logWrite ? createLogger({ level: 'debug', write: logWrite, maxBufferBytes: 0 }) : createLogger({ level: 'silent' })
  const app = createApp({ cache, logger, maxValueBytes, maxConcurrentRequests, apiToken, metrics, probeReadiness: createReadinessProbe({ redis: store, local, timeoutMs: 1000 }) })
  return {
    app,
    cache,
    local,
    redis,
    async close() {
      await local.close()
      redis.disconnect()
    },
  }
}

import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { createApp } from '../src/app.ts'
import { ObservedRedisStore } from '../src/cache/redis/observed-redis-store.ts'
import type { RedisStore } from '../src/cache/redis/redis-store.ts'
import { TieredCache } from '../src/cache/tiered-cache.ts'
import type { LocalTier } from '../src/cache/tiers/local-tier.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/logger.ts'
import { ProxyMetrics } from '../src/metrics/proxy-metrics.ts'
import { buildProxy } from '../src/wiring/build-proxy.ts'
import { guardSharedTier } from '../src/wiring/local-tier.ts'

/** The proxy's app, for the benches that drive it without a Redis: bench/in-process.ts and bench/app-server.ts. */
export type App = { fetch: (request: Request) => Response | Promise<Response> }

export const BENCH_VALUE = 'v'.repeat(100)

/** A RedisStore that answers at once without a server: `bench:` keys hold BENCH_VALUE, nothing else exists. */
export const stubRedis: RedisStore = {
  get: (key) => Promise.resolve(key.startsWith('bench:') ? BENCH_VALUE : null),
  getWithTtl: async () => ({ value: null, ttlMs: -2 }),
  getManyWithTtl: async (keys) => keys.map(() => ({ value: null, ttlMs: -2 })),
  set: async () => ({ existed: false }),
  setMany: async (pairs) => pairs.map(() => ({ existed: false })),
  delete: async () => false,
  ttl: async () => -2,
  ping: async () => {},
  close: async () => {},
}

type LogLevel = 'warn' | 'info'

/**
 * The proxy's app over `local` and the stub store, as buildProxy wires it (metrics, timed tiers, the
 * coherence gate, LOCAL_INVALIDATION off), with a logger that writes nowhere; Redis never connected.
 */
export function stubbedProxyApp(local: LocalTier, level: LogLevel): App {
  const config = loadConfig({ LOCAL_CACHE: local.name, LOCAL_INVALIDATION: 'off', REDIS_TTL_SECONDS: '0' })
  // Never connects: every command goes to the stub store.
  const redis = new Redis({ lazyConnect: true })
  const metrics = new ProxyMetrics({ registry: new Registry(), localTier: local.name, processMetrics: false })
  return buildProxy(config, { redis, local, store: stubRedis, logger: createLogger({ level, write: () => {} }), metrics }).app
}

/** The same routes from createApp over a plain TieredCache: no metrics, no timed tiers, no coherence gate. */
export function stubbedBareApp(local: LocalTier, level: LogLevel): App {
  const cache = new TieredCache({ local: guardSharedTier(local, () => {}), redis: new ObservedRedisStore(stubRedis, () => {}), redisTtlSeconds: 0 })
  return createApp({ cache, logger: createLogger({ level, write: () => {} }), probeReadiness: async () => ({}) as never, maxValueBytes: 1 << 20, maxConcurrentRequests: 1024 })
}

import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { createApp } from '../src/app.ts'
import { ObservedRedisStore } from '../src/cache/redis/observed-redis-store.ts'
import { TieredCache } from '../src/cache/tiered-cache.ts'
import { MemoryTier } from '../src/cache/tiers/memory-tier.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/logger.ts'
import { ProxyMetrics } from '../src/metrics/proxy-metrics.ts'
import { serve } from '../src/server/http-server.ts'
import { buildProxy } from '../src/wiring/build-proxy.ts'
import { guardSharedTier } from '../src/wiring/local-tier.ts'
import { BENCH_VALUE, stubRedis } from './stub-store.ts'

/**
 * The proxy's app as buildProxy makes it (memory tier holding 10,000 `bench:` keys, metrics, LOG_LEVEL
 * warn), served by the same server adapter, but with a stub in place of Redis: no connection, no
 * heartbeats, no invalidations. For bench/pieces.ts, beside the proxy process itself.
 * APP_KIND=no-metrics: the same routes from createApp over a plain TieredCache, as bench/in-process.ts's
 * "proxy, bare": no metrics (request observation, counters, histograms), no timed tiers, no coherence gate.
 */
const KEYS = 10_000
const local = new MemoryTier({ capacity: KEYS, ttlSeconds: 300 })
for (let i = 0; i < KEYS; i++) await local.set(`bench:${i}`, BENCH_VALUE)
const config = loadConfig({ LOCAL_CACHE: 'memory', LOCAL_INVALIDATION: 'off', REDIS_TTL_SECONDS: '0' })
// Never connects: every command goes to the stub store.
const redis = new Redis({ lazyConnect: true })
const logger = createLogger({ level: 'warn', write: () => {} })
function withoutMetrics() {
  const cache = new TieredCache({ local: guardSharedTier(local, () => {}), redis: new ObservedRedisStore(stubRedis, () => {}), redisTtlSeconds: 0 })
  return createApp({ cache, logger, probeReadiness: async () => ({}) as never, maxValueBytes: 1 << 20, maxConcurrentRequests: 1024 })
}
function built() {
  const metrics = new ProxyMetrics({ registry: new Registry(), localTier: 'memory', processMetrics: false })
  return buildProxy(config, { redis, local, store: stubRedis, logger, metrics }).app
}
const app = process.env.APP_KIND === 'no-metrics' ? withoutMetrics() : built()
await serve({ fetch: (request) => app.fetch(request), host: '127.0.0.1', port: Number(process.env.PORT) })
process.stdout.write('listening\n')
process.on('SIGTERM', () => process.exit(0))

import { Registry } from 'prom-client'
import { createApp } from '../app.ts'
import { createReadinessProbe, type Readiness } from '../cache/readiness.ts'
import { IoRedisStore } from '../cache/redis/redis-store.ts'
import { ObservedRedisStore } from '../cache/redis/observed-redis-store.ts'
import type { RedisStore } from '../cache/redis/redis-store.ts'
import { TieredCache } from '../cache/tiered-cache.ts'
import { CoherenceGate } from '../cache/coherence/coherence-gate.ts'
import { GuardedLocalTier, type CircuitChange } from '../cache/tiers/guarded-local-tier.ts'
import { MemcachedPool } from '../cache/tiers/memcached-pool.ts'
import { TimedLocalTier } from '../cache/tiers/timed-local-tier.ts'
import { TimedRedisStore } from '../cache/redis/timed-redis-store.ts'
import type { LocalTier } from '../cache/tiers/local-tier.ts'
import { MemoryTier } from '../cache/tiers/memory-tier.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { ProxyMetrics } from '../metrics/proxy-metrics.ts'
import { createLocalTier, guardSharedTier } from './local-tier.ts'
import type { RedisClient } from './redis-client.ts'
import { startInvalidations, type Invalidations } from './start-invalidations.ts'
import { createReplicatedStore } from './replicated-store.ts'

export interface ProxyDeps {
  /** The data connection (a Redis or a Cluster); the proxy closes it on close(). */
  redis: RedisClient
  logger: Logger
  /** A local tier made by the caller instead of the one the config names (tests, bench); a shared one is still guarded. */
  local?: LocalTier
  /** A store to use instead of IoRedisStore over `redis` (the bench's in-process stubs). */
  store?: RedisStore
  /** Metrics to record into; by default a fresh registry with process metrics. */
  metrics?: ProxyMetrics
}

export interface Proxy {
  readonly app: ReturnType<typeof createApp>
  readonly cache: TieredCache
  readonly local: LocalTier
  readonly store: RedisStore
  readonly metrics: ProxyMetrics
  readonly probeReadiness: () => Promise<Readiness>
  /** What keeps the local tier coherent; undefined with LOCAL_INVALIDATION=off or LOCAL_CACHE=none. */
  readonly invalidations: Invalidations | undefined
  /** Closes the invalidation listeners, the store and the local tier (not the HTTP server). */
  close: () => Promise<void>
}

/**
 * The one way to build the proxy from its configuration and clients: main.ts, the test harness and
 * the bench all call it, so a test exercises the proxy users run.
 */
export function buildProxy(config: Config, { redis, logger, local: given, store: givenStore, metrics: givenMetrics }: ProxyDeps): Proxy {
  let built: LocalTier | undefined
  const localTier = given?.name ?? config.localCache
  const gate = new CoherenceGate({ maxStalenessMs: config.maxStalenessMs })
  const metrics = givenMetrics ?? new ProxyMetrics({ registry: new Registry(), localTier, localSize: localTier === 'memory' ? () => (built instanceof MemoryTier ? built.size : 0) : undefined, heartbeatAgeMs: () => gate.heartbeatAgeMs() })
  const inner = givenStore ?? (config.redisMinReplicas > 0 ? createReplicatedStore(config, redis, logger) : new IoRedisStore(redis))
  const store = new ObservedRedisStore(new TimedRedisStore(inner, metrics.redisTimers()), ({ available, error }) =>
    available ? logger.info('redis commands answered again') : logger.warn('redis commands failing', { error }),
  )
  // One breaker per Memcached server: the gauge shows the worst of them.
  const breakers = new Map<string, CircuitChange['to']>()
  const onBreakerChange = ({ tier, node, from, to, reason }: CircuitChange) => {
    breakers.set(node ?? tier, to)
    metrics.setBreakerState('local', [...breakers.values()].includes('open') ? 'open' : 'closed')
    if (from === to) return
    const where = node === undefined ? { tier } : { tier, node }
    if (to === 'open') logger.warn('local tier bypassed', { ...where, reason })
    else logger.info('local tier in use again', { ...where, reason })
  }
  built = given ? guardSharedTier(given, onBreakerChange) : createLocalTier(config, { logger, onBreakerChange })
  // Every call timed and its failures counted by reason, at the tier's edge (the breaker's skips too).
  const local = built.name === 'none' ? built : new TimedLocalTier(built, metrics.localTimers({ guarded: built instanceof GuardedLocalTier || built instanceof MemcachedPool }))
  const cache = new TieredCache({
    gate,
    local,
    redis: store,
    redisTtlSeconds: config.redisTtlSeconds,
    events: {
      ...metrics.cacheEvents,
      onLocalError: (operation, error) => logger.debug('local tier error', { tier: local.name, operation, error }),
    },
  })
  const invalidations = startInvalidations({ config, data: redis, cache, logger, onHeartbeat: (ms) => metrics.observeHeartbeat(ms) })
  const probeReadiness = createReadinessProbe({ redis: store, local, timeoutMs: config.redisTimeoutMs, gate })
  const app = createApp({
    cache,
    logger,
    probeReadiness,
    maxValueBytes: config.maxValueBytes,
    maxConcurrentRequests: config.maxConcurrentRequests,
    apiToken: config.apiToken,
    corsOrigins: config.corsOrigins,
    metrics,
  })
  return {
    app,
    cache,
    local,
    store,
    metrics,
    probeReadiness,
    invalidations,
    async close() {
      await invalidations?.close()
      await Promise.allSettled([store.close(), local.close()])
    },
  }
}

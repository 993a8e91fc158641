import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { BUILD, type BuildIdentity } from '../build-identity.ts'
import type { CommandTimers } from '../cache/command-timer.ts'
import type { RedisOperation } from '../cache/redis/timed-redis-store.ts'
import type { CircuitState } from '../cache/tiers/guarded-local-tier.ts'
import type { LocalTier } from '../cache/tiers/local-tier.ts'
import type { LocalOperation } from '../cache/tiers/timed-local-tier.ts'
import type { Tier, TieredCacheEvents, TierStep } from '../cache/tiered-cache.ts'
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.ts'
import { registerRuntimeMetrics } from './runtime-metrics.ts'
import { TierMetrics } from './tier-metrics.ts'
import { TrafficHistory } from './traffic-history.ts'

export interface ProxyMetricsOptions {
  /** Where the metrics live; main.ts creates it, tests make their own. */
  registry: Registry
  /** The local tier in use: its metrics say `tier="memory"` or `tier="memcached"`, not just "local". */
  localTier: LocalTier['name']
  /** Entries held by the local tier, read at scrape time; leave out when the tier cannot tell. */
  localSize?: () => number
  /** Process metrics (memory, CPU, event-loop lag); off in tests that build many apps. */
  processMetrics?: boolean
  traffic?: TrafficHistory
  /** What redis_proxy_build_info reports; this process by default. */
  build?: BuildIdentity
  /** Age of the newest answered invalidation heartbeat (the oldest node's on a Cluster), read at scrape time. */
  heartbeatAgeMs?: () => number | undefined
  /** MAX_STALENESS_MS, exported so that an alert can compare the heartbeat age with it. */
  stalenessBoundMs?: number
  /** Whether the data connection to Redis is up, read at scrape time. */
  redisConnected?: () => boolean
}

export type LookupCounts = Record<Tier, Record<TierStep['outcome'], number>>

const BREAKER_VALUES: Record<CircuitState, number> = { closed: 0, open: 1 }
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
// Seconds: a local hit takes tens of microseconds, a Redis timeout a second or more.
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** What the proxy tells Prometheus, plus the plain counts the /stats page draws. */
export class ProxyMetrics {
  readonly registry: Registry
  readonly traffic: TrafficHistory
  /** Hooks to pass to TieredCache (merge them with your own). */
  readonly cacheEvents: Required<Pick<TieredCacheEvents, 'onLookup' | 'onInvalidation' | 'onLocalSkipped'>>
  readonly startedAt = Date.now()
  private readonly lookups: LookupCounts = { local: { hit: 0, miss: 0, error: 0 }, redis: { hit: 0, miss: 0, error: 0 } }
  private readonly requests: Counter<'method' | 'route' | 'status'>
  private readonly latency: BucketHistogram<'method' | 'route'>
  private readonly breaker: Gauge<'tier'>
  private readonly refusals: Counter
  private readonly heartbeats: Histogram
  private readonly tiers: TierMetrics
  private readonly localTier: LocalTier['name']
  private readonly registers: Registry[]
  /**
   * One entry per series, found by a plain Map lookup. Requests are counted in `unscraped` and handed
   * to prom-client when scraped: its `inc()` hashes and checks the labels on every call (~0.3 µs a request on Bun).
   */
  private readonly requestSeries = new Map<string, { unscraped: number; count: Counter.Internal; latency: HistogramSeries }>()

  constructor({ registry, localTier, localSize, processMetrics = true, traffic = new TrafficHistory(), build = BUILD, heartbeatAgeMs, stalenessBoundMs, redisConnected }: ProxyMetricsOptions) {
    this.registry = registry
    this.traffic = traffic
    this.localTier = localTier
    const registers = [registry]
    this.registers = registers
    if (processMetrics) registerRuntimeMetrics(registry, build.runtime)
    new Gauge({ name: 'redis_proxy_build_info', help: 'Always 1: the version of the proxy, the runtime it runs on and its local tier, as labels.', labelNames: ['version', 'runtime', 'runtime_version', 'local_tier'], registers })
      .labels(build.version, build.runtime, build.runtimeVersion, localTier)
      .set(1)

    this.requests = new Counter({ name: 'redis_proxy_http_requests_total', help: 'HTTP requests answered, by route pattern and status.', labelNames: ['method', 'route', 'status'], registers, collect: () => this.handOverRequestCounts() })
    this.latency = new BucketHistogram({ name: 'redis_proxy_http_request_duration_seconds', help: 'Time to answer, by route pattern.', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers })
    // Counted in `this.lookups` on the hot path and handed to prom-client as it is scraped (see handOverRequestCounts).
    const handedOver: LookupCounts = { local: { hit: 0, miss: 0, error: 0 }, redis: { hit: 0, miss: 0, error: 0 } }
    const lookups: Counter<'tier' | 'result'> = new Counter({
      name: 'redis_proxy_cache_lookups_total',
      help: 'Reads asked of each tier (memory, memcached, redis), by result: hit, miss, or error (failed or skipped, the tier bypassed).',
      labelNames: ['tier', 'result'],
      registers,
      collect: () => {
        for (const tier of ['local', 'redis'] as const) {
          for (const result of ['hit', 'miss', 'error'] as const) {
            const unscraped = this.lookups[tier][result] - handedOver[tier][result]
            if (unscraped === 0) continue
            lookups.labels(this.tierLabel(tier), result).inc(unscraped)
            handedOver[tier][result] += unscraped
          }
        }
      },
    })
    this.tiers = new TierMetrics(registers)
    const invalidations = new Counter({ name: 'redis_proxy_invalidations_total', help: 'Invalidations received from Redis: one key, or all local copies.', labelNames: ['scope'], registers })
    this.breaker = new Gauge({ name: 'redis_proxy_circuit_breaker_state', help: 'Circuit breaker in front of a tier: 0 closed (in use), 1 open (skipped until a probe finds it answering).', labelNames: ['tier'], registers })
    this.refusals = new Counter({ name: 'redis_proxy_overload_refusals_total', help: 'Requests refused with 503 before routing: MAX_CONCURRENT_REQUESTS were in flight.', registers })
    for (const tier of localTier === 'none' ? (['redis'] as const) : (['local', 'redis'] as const)) {
      for (const result of ['hit', 'miss', 'error'] as const) lookups.labels(this.tierLabel(tier), result).inc(0)
    }
    for (const scope of ['key', 'all']) invalidations.labels(scope).inc(0)
    const localSkips = new Counter({ name: 'redis_proxy_local_skipped_reads_total', help: 'Reads sent to Redis without asking the local tier: suspended (invalidations may be missed) or stale (the stream is not proven current within MAX_STALENESS_MS).', labelNames: ['reason'], registers })
    for (const reason of ['suspended', 'stale']) localSkips.labels(reason).inc(0)
    // Seconds: a heartbeat answers in well under a millisecond on a LAN; a stalled one in seconds.
    this.heartbeats = new Histogram({ name: 'redis_proxy_invalidation_heartbeat_seconds', help: 'Round trip of the PING heartbeats on the invalidation connection.', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers })
    if (heartbeatAgeMs) {
      new Gauge({ name: 'redis_proxy_invalidation_heartbeat_age_seconds', help: 'Age of the newest answered invalidation heartbeat: how current local copies are proven to be.', registers, collect() { const age = heartbeatAgeMs(); if (age !== undefined) this.set(age / 1000) } })
    }
    if (stalenessBoundMs !== undefined) {
      new Gauge({ name: 'redis_proxy_staleness_bound_seconds', help: 'MAX_STALENESS_MS: a local copy is served only while the heartbeat age is below it.', registers }).set(stalenessBoundMs / 1000)
    }
    if (redisConnected) {
      // A frozen Redis keeps its connection: its commands time out (redis_proxy_tier_errors_total{reason="timeout"}).
      new Gauge({ name: 'redis_proxy_redis_connected', help: '1 while the data connection to Redis is ready, 0 while it is down or reconnecting.', registers, collect() { this.set(redisConnected() ? 1 : 0) } })
    }
    if (localSize) {
      new Gauge({ name: 'redis_proxy_local_entries', help: 'Entries held by the local tier.', registers, collect() { this.set(localSize()) } })
    }

    this.cacheEvents = {
      onLookup: (tier, outcome) => {
        this.lookups[tier][outcome]++
      },
      onInvalidation: (key) => invalidations.labels(key === null ? 'all' : 'key').inc(),
      onLocalSkipped: (reason) => localSkips.labels(reason).inc(),
    }
  }

  /** One answered request; `route` is the matched pattern (`/v1/keys/:key`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const knownMethod = KNOWN_METHODS.has(method) ? method : 'OTHER'
    const id = `${knownMethod} ${route} ${status}`
    let series = this.requestSeries.get(id)
    if (!series) {
      series = { unscraped: 0, count: this.requests.labels(knownMethod, route, String(status)), latency: this.latency.series({ method: knownMethod, route }) }
      this.requestSeries.set(id, series)
    }
    series.unscraped++
    series.latency.observe(seconds)
    this.traffic.record()
  }

  /** Called by prom-client as the request counter is read (scrape): the counts since the last one. */
  private handOverRequestCounts(): void {
    for (const series of this.requestSeries.values()) {
      if (series.unscraped === 0) continue
      series.count.inc(series.unscraped)
      series.unscraped = 0
    }
  }

  /** A request refused by the concurrency limit: it never reached a route, so it is counted apart. */
  observeRefusal(): void {
    this.refusals.inc()
    this.traffic.record()
  }

  /** One answered invalidation heartbeat. */
  observeHeartbeat(roundTripMs: number): void {
    this.heartbeats.observe(roundTripMs / 1000)
  }

  /** For whoever owns a circuit breaker (GuardedLocalTier's onStateChange); tiers without one have no series. */
  setBreakerState(tier: Tier, state: CircuitState): void {
    this.breaker.labels(this.tierLabel(tier)).set(BREAKER_VALUES[state])
  }

  /** Timers for TimedLocalTier: latency, errors and skips of the local tier, by operation. */
  localTimers({ guarded }: { guarded: boolean }): CommandTimers<LocalOperation> {
    return this.tiers.timers(this.localTier, { canFail: guarded, canSkip: guarded })
  }

  /** Timers for TimedRedisStore. */
  redisTimers(): CommandTimers<RedisOperation> {
    return this.tiers.timers('redis', { canFail: true, canSkip: false })
  }

  /** Requests being answered now, read at scrape time (what MAX_CONCURRENT_REQUESTS bounds). */
  observeInFlight(read: () => number): void {
    new Gauge({ name: 'redis_proxy_http_requests_in_flight', help: 'Requests received and not yet answered (MAX_CONCURRENT_REQUESTS bounds them).', registers: this.registers, collect() { this.set(read()) } })
  }

  /** `local` as the tier's own name in labels. */
  private tierLabel(tier: Tier): string {
    return tier === 'local' ? this.localTier : tier
  }

  /** Reads per tier since start, by result. */
  lookupCounts(): LookupCounts {
    return { local: { ...this.lookups.local }, redis: { ...this.lookups.redis } }
  }

  /** The Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}

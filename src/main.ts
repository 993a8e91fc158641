import memjs from 'memjs'
import { Registry } from 'prom-client'
import { IoRedisStore } from './cache/redis/redis-store.ts'
import { ObservedRedisStore } from './cache/redis/observed-redis-store.ts'
import { createRedisClient, type RedisClient } from './wiring/redis-client.ts'
import { createReadinessProbe } from './cache/readiness.ts'
import { GuardedLocalTier } from './cache/tiers/guarded-local-tier.ts'
import { MemcachedTier } from './cache/tiers/memcached-tier.ts'
import { MemoryTier } from './cache/tiers/memory-tier.ts'
import { NoLocalTier } from './cache/tiers/no-local-tier.ts'
import type { LocalTier } from './cache/tiers/local-tier.ts'
import { TieredCache } from './cache/tiered-cache.ts'
import { createApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { ProxyMetrics } from './metrics/proxy-metrics.ts'
import { serve, type HttpServer } from './server/http-server.ts'
import { isPoolWorker, reportListening, runWorkerPool } from './server/worker-pool.ts'
import { startInvalidations } from './wiring/start-invalidations.ts'

/** The composition root: the only place that reads the environment, wires real clients and handles signals. */

const SHUTDOWN_GRACE_MS = 10_000
const STARTUP_WAIT_FOR_REDIS_MS = 3_000
const STORE_CLOSE_GRACE_MS = 3_000
/** A Memcached on the network answers in well under a millisecond; one that takes this long is treated as down. */
const MEMCACHED_TIMEOUT_MS = 150

function createLocalTier(config: Config, logger: Logger, metrics: ProxyMetrics): LocalTier {
  switch (config.localCache) {
    case 'memory':
      return new MemoryTier({ capacity: config.localCapacity, ttlSeconds: config.localTtlSeconds })
    case 'memcached': {
      const servers = config.memcachedServers.map(({ host, port }) => `${host}:${port}`).join(',')
      // One try per call (memjs retries with a 0.2 s sleep otherwise); the breaker stops asking a dead server.
      const client = memjs.Client.create(servers, {
        retries: 1,
        timeout: MEMCACHED_TIMEOUT_MS / 1000,
        conntimeout: (2 * MEMCACHED_TIMEOUT_MS) / 1000,
        keepAlive: true,
        logger: { log: (...args: unknown[]) => logger.debug('memcached client', { detail: args.map(String).join(' ') }) },
      })
      metrics.setBreakerState('local', 'closed')
      return new GuardedLocalTier({
        tier: new MemcachedTier({ client, ttlSeconds: config.localTtlSeconds }),
        // A little above memjs' own timeout, which then tears the stalled connection down first.
        callTimeoutMs: MEMCACHED_TIMEOUT_MS + 50,
        onStateChange: ({ tier, to, reason }) => {
          metrics.setBreakerState('local', to)
          if (to === 'open') logger.warn('local tier bypassed', { tier, reason })
          else logger.info('local tier in use again', { tier, reason })
        },
      })
    }
    case 'none':
      return new NoLocalTier()
  }
}

/** Logs Redis connection state changes once each, not once per failed request. */
function watchRedis(client: RedisClient, logger: Logger): Promise<void> {
  let up = false
  let reportedDown = false
  client.on('error', (error: Error) => {
    if (reportedDown) return
    reportedDown = true
    logger.warn('redis unavailable', { error: error.message })
  })
  client.on('close', () => {
    if (up) logger.warn('redis connection closed')
    up = false
  })
  return new Promise((resolve) => {
    client.on('ready', () => {
      if (reportedDown || up === false) logger.info('redis ready')
      up = true
      reportedDown = false
      resolve()
    })
  })
}

async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(2)
  }
  const logger = createLogger({ level: config.logLevel })
  if (config.workers > 1 && !isPoolWorker()) {
    runWorkerPool({ count: config.workers, logger, url: `http://${config.host}:${config.port}` })
    return
  }
  const redisClient = createRedisClient(config)
  const redisReady = watchRedis(redisClient, logger)
  const redis = new ObservedRedisStore(new IoRedisStore(redisClient), ({ available, error }) =>
    available ? logger.info('redis commands answered again') : logger.warn('redis commands failing', { error }),
  )
  const metrics = new ProxyMetrics({ registry: new Registry(), localSize: config.localCache === 'memory' ? () => (local instanceof MemoryTier ? local.size : 0) : undefined })
  const local = createLocalTier(config, logger, metrics)
  const cache = new TieredCache({
    local,
    redis,
    redisTtlSeconds: config.redisTtlSeconds,
    events: {
      ...metrics.cacheEvents,
      onLocalError: (operation, error) => {
        metrics.cacheEvents.onLocalError(operation, error)
        logger.debug('local tier error', { tier: local.name, operation, error })
      },
    },
  })
  const invalidations = startInvalidations({ config, data: redisClient, cache, logger })
  const probeReadiness = createReadinessProbe({ redis, local, timeoutMs: config.redisTimeoutMs, localSuspended: () => cache.localSuspended })
  const app = createApp({
    cache,
    logger,
    probeReadiness,
    maxValueBytes: config.maxValueBytes,
    maxConcurrentRequests: config.maxConcurrentRequests,
    apiToken: config.apiToken,
    metrics,
  })

  // Signals are handled from here on: a stop while waiting for Redis at boot is graceful too.
  let server: HttpServer | undefined
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info('stopping', { signal })
    // A store that hangs on close must not keep the process alive past the grace period.
    setTimeout(() => {
      logger.error('stop took too long; exiting anyway')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS + STORE_CLOSE_GRACE_MS).unref()
    await server?.stop(SHUTDOWN_GRACE_MS)
    await invalidations?.close()
    await Promise.allSettled([redis.close(), local.close()])
    logger.info('stopped')
    logger.flush()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))

  // Serve even if Redis is late (local hits, /healthz), but give it a moment to avoid a burst of 503s at boot.
  await Promise.race([Promise.all([redisReady, invalidations?.decided]), new Promise((resolve) => setTimeout(resolve, STARTUP_WAIT_FOR_REDIS_MS))])
  if (stopping) return
  server = await serve({ fetch: app.fetch, host: config.host, port: config.port, reusePort: isPoolWorker() })
  // A pool's primary says "listening" once every worker serves.
  logger.info(isPoolWorker() ? 'worker listening' : 'listening', {
    url: `http://${config.host}:${server.port}`,
    runtime: typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`,
    localCache: config.localCache,
    pid: process.pid,
  })
  if (isPoolWorker()) {
    logger.flush()
    reportListening()
  }
}

await main()

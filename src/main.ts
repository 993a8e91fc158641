import { createRedisClient, type RedisClient } from './wiring/redis-client.ts'
import { buildProxy } from './wiring/build-proxy.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { serve, type HttpServer } from './server/http-server.ts'
import { isPoolWorker, reportListening, runWorkerPool } from './server/worker-pool.ts'
import { chooseRedis, redisHint, type RedisChoice } from './server/redis-choice.ts'
import { listenFailure, StartupError } from './server/startup-error.ts'

/** The process: reads the environment, builds the proxy (buildProxy), serves it, handles signals and exit codes. */

const SHUTDOWN_GRACE_MS = 10_000
const STARTUP_WAIT_FOR_REDIS_MS = 3_000
const STORE_CLOSE_GRACE_MS = 3_000

/** A start-up failure is one line on stderr and exit code 2, on either runtime. */
function exitForStartup(error: unknown, logger?: Logger): never {
  if (!(error instanceof StartupError)) throw error
  logger?.flush()
  process.stderr.write(`${error.message}\n`)
  process.exit(2)
}

/** Logs Redis connection state changes once each, not once per failed request; until Redis first answers, with what to do. */
function watchRedis(client: RedisClient, logger: Logger, hint: string): Promise<void> {
  let up = false
  let everUp = false
  let reportedDown = false
  client.on('error', (error: Error) => {
    if (reportedDown) return
    reportedDown = true
    logger.warn('redis unavailable', everUp ? { error: error.message } : { error: error.message, hint })
  })
  client.on('close', () => {
    if (up) logger.warn('redis connection closed')
    up = false
  })
  return new Promise((resolve) => {
    client.on('ready', () => {
      if (reportedDown || up === false) logger.info('redis ready')
      up = true
      everUp = true
      reportedDown = false
      resolve()
    })
  })
}

async function main(): Promise<void> {
  let config: Config
  let stopping = false
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(2)
  }
  const logger = createLogger({ level: config.logLevel })
  // The primary of a pool chooses the Redis and owns a private one; its workers get that as REDIS_URL.
  const choice: RedisChoice = isPoolWorker() ? { url: config.redisUrl } : await chooseRedis(config, { logger, cwd: process.cwd() }).catch((error) => exitForStartup(error, logger))
  const { url: redisUrl, embedded } = choice
  void embedded?.exited.then((code) => {
    if (!stopping) logger.error('the private redis-server exited; restart the proxy', { code })
  })
  if (config.workers > 1 && !isPoolWorker()) {
    runWorkerPool({
      count: config.workers,
      logger,
      url: `http://${config.host}:${config.port}`,
      env: embedded ? { REDIS_URL: redisUrl } : {},
      onStopped: async () => {
        stopping = true
        await embedded?.stop()
      },
    })
    return
  }
  config = Object.freeze({ ...config, redisUrl })
  const redisClient = createRedisClient(config)
  const redisReady = watchRedis(redisClient, logger, redisHint(config))
  const { app, invalidations, close } = buildProxy(config, { redis: redisClient, logger })

  // Signals are handled from here on: a stop while waiting for Redis at boot is graceful too.
  let server: HttpServer | undefined
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
    await close()
    await embedded?.stop()
    logger.info('stopped')
    logger.flush()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))

  // Serve even if Redis is late (local hits, /healthz), but give it a moment to avoid a burst of 503s at boot.
  await Promise.race([Promise.all([redisReady, invalidations?.decided]), new Promise((resolve) => setTimeout(resolve, STARTUP_WAIT_FOR_REDIS_MS))])
  if (stopping) return
  const { host, port } = config
  server = await serve({ fetch: app.fetch, host, port, reusePort: isPoolWorker() }).catch((error) => exitForStartup(listenFailure(error, host, port), logger))
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

import { relative, resolve } from 'node:path'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { RedisServerNotFound, startEmbeddedRedis, type EmbeddedRedis, type EmbeddedRedisOptions } from './embedded-redis.ts'
import { answersPing as probe } from './redis-probe.ts'
import { StartupError } from './startup-error.ts'

/** Where the private redis-server keeps its data, relative to the directory the proxy starts in. */
export const EMBEDDED_DATA_DIR = '.data/redis'

const INSTALL = 'apt-get install -y redis-server, or brew install redis'

export interface RedisChoice {
  /** The Redis the proxy connects to. */
  readonly url: string
  /** The private redis-server started for this process, when no Redis was configured or found. */
  readonly embedded?: EmbeddedRedis
}

export interface RedisChoiceDeps {
  logger: Logger
  /** The directory the data path is relative to (the working directory). */
  cwd: string
  answersPing?: (url: string) => Promise<boolean>
  startEmbedded?: (options: EmbeddedRedisOptions) => Promise<EmbeddedRedis>
}

type ChoiceConfig = Pick<Config, 'redisUrl' | 'redisConfigured' | 'production'>

/**
 * Which Redis to use: the configured one; else one answering on the default address; else, except
 * in production, a private redis-server from PATH with its data in `.data/redis`.
 * Throws StartupError (one line, exit 2) when none can be had.
 */
export async function chooseRedis(config: ChoiceConfig, { logger, cwd, answersPing = probe, startEmbedded = startEmbeddedRedis }: RedisChoiceDeps): Promise<RedisChoice> {
  // In production a missing Redis is reported by the client's first error, with redisHint().
  if (config.redisConfigured || config.production) return { url: config.redisUrl }
  const at = hostPort(config.redisUrl)
  if (await answersPing(config.redisUrl)) {
    logger.info(`using the Redis that answers on ${at}; set REDIS_URL to use another`)
    return { url: config.redisUrl }
  }
  const dataDir = resolve(cwd, EMBEDDED_DATA_DIR)
  const displayDir = relative(cwd, dataDir) || '.'
  try {
    const embedded = await startEmbedded({ dataDir, displayDir })
    logger.info(`no REDIS_URL and nothing on ${at}: started a private redis-server (data in ${displayDir}, stopped on exit); set REDIS_URL to use another Redis`, {
      url: embedded.url,
      pid: embedded.pid,
    })
    return { url: embedded.url, embedded }
  } catch (error) {
    if (!(error instanceof RedisServerNotFound)) throw error
    throw new StartupError(`No Redis: REDIS_URL is unset, nothing answers on ${at}, and redis-server is not on PATH. Either install it (${INSTALL}), or set REDIS_URL=redis://host:6379 to use a Redis that runs.`)
  }
}

/** A hint for the log when Redis refuses at start-up: what the user can do about it. */
export function redisHint(config: ChoiceConfig): string {
  if (!config.redisConfigured) {
    return `REDIS_URL is unset and nothing answers on ${hostPort(config.redisUrl)} (NODE_ENV=production never starts a private redis-server): set REDIS_URL=redis://host:6379, or start a Redis there (${INSTALL})`
  }
  return `start the configured Redis (to install one: ${INSTALL}), or point REDIS_URL at a Redis that runs`
}

/** host:port of a redis:// URL, without its credentials. */
function hostPort(url: string): string {
  const { hostname, port } = new URL(url)
  return `${hostname}:${port || 6379}`
}

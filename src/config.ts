import { z } from 'zod'

/** The only place that reads the environment: parsed once, validated, frozen. */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface HostPort {
  readonly host: string
  readonly port: number
}

export interface Config {
  readonly host: string
  readonly port: number
  /** REDIS_URL, or the default Redis (127.0.0.1:6379) when it is unset. */
  readonly redisUrl: string
  /** True when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set: no embedded redis-server then. */
  readonly redisConfigured: boolean
  /** NODE_ENV=production: a missing Redis is reported, never replaced by an embedded one. */
  readonly production: boolean
  readonly redisClusterNodes: readonly HostPort[] | undefined
  readonly redisTtlSeconds: number
  readonly localCache: 'memory' | 'memcached' | 'none'
  readonly localTtlSeconds: number
  readonly localCapacity: number
  /** Byte budget of the memory tier (keys and values, roughly as held in memory). */
  readonly localMaxBytes: number
  readonly memcachedServers: readonly HostPort[]
  readonly redisTimeoutMs: number
  readonly maxConcurrentRequests: number
  readonly localInvalidation: 'tracking' | 'off'
  /** A local copy is served only while the invalidation stream is proven current to within this bound. */
  readonly maxStalenessMs: number
  readonly workers: number
  readonly maxValueBytes: number
  readonly apiToken: string | undefined
  /** Browser origins granted CORS (`https://app.example.com`); undefined: no CORS headers at all. */
  readonly corsOrigins: readonly string[] | undefined
  readonly logLevel: LogLevel
  /** Redis Sentinel: the sentinels to ask and the name of the master they watch (REDIS_URL then gives credentials, db, TLS). */
  readonly redisSentinel: RedisSentinelConfig | undefined
  /** A write is acknowledged only once WAIT confirms this many replicas hold it (0: on the master's word). */
  readonly redisMinReplicas: number
}

export interface RedisSentinelConfig {
  readonly sentinels: readonly HostPort[]
  readonly masterName: string
  /** The sentinels' own password (requirepass on the sentinels), when they have one. */
  readonly password: string | undefined
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`)
    this.name = 'ConfigError'
  }
}

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number between ${min} and ${max}`)

const hostPortList = z
  .string()
  .transform((text, ctx) => {
    const entries = text.split(',').map((part) => part.trim()).filter(Boolean)
    const parsed: HostPort[] = []
    for (const entry of entries) {
      const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(entry)
      const port = match ? Number(match[2]) : 0
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of host:port (bad entry "${entry}")` })
        return z.NEVER
      }
      parsed.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port })
    }
    if (parsed.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must name at least one host:port' })
      return z.NEVER
    }
    return parsed
  })

const redisUrl = z.string().refine((text) => {
  try {
    const url = new URL(text)
    return url.protocol === 'redis:' || url.protocol === 'rediss:'
  } catch {
    return false
  }
}, 'must be a redis:// or rediss:// URL')

/** Tried when no Redis is configured. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** Any of these set means the user chose their Redis. */
const REDIS_CHOICES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const

/** `scheme://host[:port]` as browsers send it in `Origin`: no path, no wildcard (a token-guarded API names its callers). */
const originList = z.string().transform((text, ctx) => {
  const origins: string[] = []
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    let url: URL | undefined
    try {
      url = new URL(entry)
    } catch {
      url = undefined
    }
    const bare = url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && `${url.origin}/` === url.href
    if (!bare) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of origins like https://app.example.com (scheme://host[:port], no path; bad entry "${entry}")` })
      return z.NEVER
    }
    // Browsers send the host in lower case and leave out a default port: compare with that form.
    origins.push(url!.origin)
  }
  if (origins.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one origin' })
    return z.NEVER
  }
  return origins
})

const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: wholeNumber(0, 65535).default(8000),
  REDIS_URL: redisUrl.optional(),
  // Where the tests put "the default Redis" so that a Redis really running on 6379 cannot change their outcome.
  TEST_DEFAULT_REDIS_URL: redisUrl.default(DEFAULT_REDIS_URL),
  NODE_ENV: z.string().optional(),
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_TTL_SECONDS: wholeNumber(0).default(3000),
  LOCAL_CACHE: z.enum(['memory', 'memcached', 'none'], 'must be one of memory, memcached, none').default('memory'),
  LOCAL_TTL_SECONDS: wholeNumber(1, 30 * 24 * 3600).default(300),
  LOCAL_CAPACITY: wholeNumber(1).default(10000),
  LOCAL_MAX_BYTES: wholeNumber(1024).default(256 * 1024 * 1024),
  MEMCACHED_SERVERS: hostPortList.default([{ host: '127.0.0.1', port: 11211 }]),
  REDIS_TIMEOUT_MS: wholeNumber(1, 600_000).default(1000),
  MAX_CONCURRENT_REQUESTS: wholeNumber(1).default(1024),
  LOCAL_INVALIDATION: z.enum(['tracking', 'off'], 'must be tracking or off').default('tracking'),
  MAX_STALENESS_MS: wholeNumber(10, 600_000).default(100),
  WORKERS: wholeNumber(1, 256).default(1),
  MAX_VALUE_BYTES: wholeNumber(1, 512 * 1024 * 1024).default(1048576),
  API_TOKEN: z.string().optional(),
  CORS_ORIGINS: originList.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_MASTER: z.string().regex(/^[^\s]+$/, 'must be the master name the sentinels monitor (no spaces)').optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_MIN_REPLICAS: wholeNumber(0, 100).default(0),
})

/** Parses the environment; throws ConfigError naming the first bad variable. Empty values count as unset. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const relevant: Record<string, string> = {}
  for (const name of Object.keys(schema.shape)) {
    const value = env[name]
    if (value !== undefined && value !== '') relevant[name] = value
  }
  const result = schema.safeParse(relevant)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message)
  }
  const e = result.data
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    redisUrl: e.REDIS_URL ?? e.TEST_DEFAULT_REDIS_URL,
    redisConfigured: REDIS_CHOICES.some((name) => env[name] !== undefined && env[name] !== ''),
    production: e.NODE_ENV === 'production',
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisTtlSeconds: e.REDIS_TTL_SECONDS,
    localCache: e.LOCAL_CACHE,
    localTtlSeconds: e.LOCAL_TTL_SECONDS,
    localCapacity: e.LOCAL_CAPACITY,
    localMaxBytes: e.LOCAL_MAX_BYTES,
    memcachedServers: e.MEMCACHED_SERVERS,
    redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    maxConcurrentRequests: e.MAX_CONCURRENT_REQUESTS,
    localInvalidation: e.LOCAL_INVALIDATION,
    maxStalenessMs: e.MAX_STALENESS_MS,
    workers: e.WORKERS,
    maxValueBytes: e.MAX_VALUE_BYTES,
    apiToken: e.API_TOKEN,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    ...redisTopology(e),
  })
}

type Parsed = z.infer<typeof schema>

/** Sentinel and Cluster are either-or, and a sentinel set is named by its sentinels and its master together. */
function redisTopology(e: Parsed): Pick<Config, 'redisSentinel' | 'redisMinReplicas'> {
  if (e.REDIS_SENTINELS && !e.REDIS_SENTINEL_MASTER) throw new ConfigError('REDIS_SENTINEL_MASTER', 'must be set with REDIS_SENTINELS (the name of the master the sentinels monitor)')
  if (e.REDIS_SENTINEL_MASTER && !e.REDIS_SENTINELS) throw new ConfigError('REDIS_SENTINELS', 'must be set with REDIS_SENTINEL_MASTER (comma-separated sentinel host:port)')
  if (e.REDIS_SENTINELS && e.REDIS_CLUSTER_NODES) throw new ConfigError('REDIS_SENTINELS', 'cannot be used with REDIS_CLUSTER_NODES (Sentinel or Cluster, not both)')
  const redisSentinel =
    e.REDIS_SENTINELS && e.REDIS_SENTINEL_MASTER ? { sentinels: e.REDIS_SENTINELS, masterName: e.REDIS_SENTINEL_MASTER, password: e.REDIS_SENTINEL_PASSWORD } : undefined
  return { redisSentinel, redisMinReplicas: e.REDIS_MIN_REPLICAS }
}

import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('loadConfig', () => {
  test('defaults match the contract', () => {
    const config = loadConfig({})
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8000,
      redisUrl: 'redis://127.0.0.1:6379',
      redisConfigured: false,
      production: false,
      redisClusterNodes: undefined,
      redisTtlSeconds: 3000,
      localCache: 'memory',
      localTtlSeconds: 300,
      localCapacity: 10000,
      localMaxBytes: 268435456,
      memcachedServers: [{ host: '127.0.0.1', port: 11211 }],
      redisTimeoutMs: 1000,
      maxConcurrentRequests: 1024,
      localInvalidation: 'tracking',
      maxStalenessMs: 100,
      workers: 1,
      maxValueBytes: 1048576,
      apiToken: undefined,
      corsOrigins: undefined,
      logLevel: 'info',
      redisSentinel: undefined,
      redisMinReplicas: 0,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  test('reads every variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      REDIS_URL: 'rediss://user:secret@cache.example:6380/2',
      REDIS_CLUSTER_NODES: 'a:7000, b:7001',
      REDIS_TTL_SECONDS: '0',
      LOCAL_CACHE: 'memcached',
      LOCAL_TTL_SECONDS: '60',
      LOCAL_CAPACITY: '5',
      LOCAL_MAX_BYTES: '1048576',
      MEMCACHED_SERVERS: 'm1:11211,m2:11212',
      REDIS_TIMEOUT_MS: '250',
      MAX_CONCURRENT_REQUESTS: '8',
      LOCAL_INVALIDATION: 'off',
      MAX_STALENESS_MS: '250',
      WORKERS: '3',
      MAX_VALUE_BYTES: '100',
      API_TOKEN: 't0ken',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      LOG_LEVEL: 'debug',
    })
    expect(config.port).toBe(9000)
    expect(config.redisUrl).toBe('rediss://user:secret@cache.example:6380/2')
    expect(config.redisClusterNodes).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ])
    expect(config.redisTtlSeconds).toBe(0)
    expect(config.localCache).toBe('memcached')
    expect(config.memcachedServers).toEqual([
      { host: 'm1', port: 11211 },
      { host: 'm2', port: 11212 },
    ])
    expect(config.localInvalidation).toBe('off')
    expect(config.maxStalenessMs).toBe(250)
    expect(config.workers).toBe(3)
    expect(config.apiToken).toBe('t0ken')
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173'])
    expect(config.logLevel).toBe('debug')
  })

  test('a Redis counts as configured when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).redisConfigured).toBe(true)
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).redisConfigured).toBe(true)
    expect(loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_MASTER: 'mymaster' }).redisConfigured).toBe(true)
    expect(loadConfig({ REDIS_URL: '' }).redisConfigured).toBe(false)
  })

  test('NODE_ENV=production, and only it, is production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).production).toBe(true)
    expect(loadConfig({ NODE_ENV: 'development' }).production).toBe(false)
  })

  test('the tests can move the default Redis; REDIS_URL still wins', () => {
    expect(loadConfig({ TEST_DEFAULT_REDIS_URL: 'redis://127.0.0.1:1' })).toMatchObject({ redisUrl: 'redis://127.0.0.1:1', redisConfigured: false })
    expect(loadConfig({ TEST_DEFAULT_REDIS_URL: 'redis://127.0.0.1:1', REDIS_URL: 'redis://r:6379' }).redisUrl).toBe('redis://r:6379')
  })

  test('an empty value counts as unset', () => {
    expect(loadConfig({ PORT: '', API_TOKEN: '' })).toMatchObject({ port: 8000, apiToken: undefined })
  })

  test('CORS_ORIGINS are kept as browsers send Origin: host in lower case, no default port, no trailing slash', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://App.Example.com:443/,http://[::1]:8080,https://münchen.de' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://[::1]:8080',
      'https://xn--mnchen-3ya.de',
    ])
  })

  const bad: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '8000.5'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIS_URL', 'not a url'],
    ['REDIS_CLUSTER_NODES', 'a:7000,b'],
    ['REDIS_TTL_SECONDS', '-5'],
    ['LOCAL_CACHE', 'disk'],
    ['LOCAL_CAPACITY', '0'],
    ['LOCAL_MAX_BYTES', '1000'],
    ['LOCAL_MAX_BYTES', '256MiB'],
    ['MEMCACHED_SERVERS', 'host-without-port'],
    ['REDIS_TIMEOUT_MS', '0'],
    ['LOCAL_INVALIDATION', 'sometimes'],
    ['MAX_STALENESS_MS', '5'],
    ['MAX_STALENESS_MS', '100ms'],
    ['WORKERS', 'many'],
    ['MAX_VALUE_BYTES', '1e6'],
    ['LOG_LEVEL', 'verbose'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'null'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'https://a.example.com,ftp://b.example.com'],
    ['CORS_ORIGINS', 'https://user:pw@app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com?x=1'],
    ['CORS_ORIGINS', ' , '],
  ]
  for (const [variable, value] of bad) {
    test(`${variable}=${JSON.stringify(value)} is refused with a message naming it`, () => {
      let caught: unknown
      try {
        loadConfig({ [variable]: value })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ConfigError)
      expect((caught as ConfigError).variable).toBe(variable)
      expect((caught as ConfigError).message).toStartWith(`Invalid configuration: ${variable} `)
      expect((caught as ConfigError).message).not.toContain('\n')
    })
  }
})

describe('Redis Sentinel and durable acknowledgements', () => {
  test('REDIS_SENTINELS with REDIS_SENTINEL_MASTER select Sentinel; REDIS_MIN_REPLICAS is read', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_SENTINEL_PASSWORD: 'pw', REDIS_MIN_REPLICAS: '2' })
    expect(config.redisSentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      password: 'pw',
    })
    expect(config.redisMinReplicas).toBe(2)
  })

  const refused: [Record<string, string>, string][] = [
    [{ REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINEL_MASTER'],
    [{ REDIS_SENTINEL_MASTER: 'mymaster' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_CLUSTER_NODES: 'a:7000' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1', REDIS_SENTINEL_MASTER: 'mymaster' }, 'REDIS_SENTINELS'],
    [{ REDIS_MIN_REPLICAS: '-1' }, 'REDIS_MIN_REPLICAS'],
    [{ REDIS_MIN_REPLICAS: 'one' }, 'REDIS_MIN_REPLICAS'],
  ]
  for (const [env, variable] of refused) {
    test(`${JSON.stringify(env)} is refused naming ${variable}, in one line`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      try {
        loadConfig(env)
      } catch (error) {
        expect((error as ConfigError).variable).toBe(variable)
        expect((error as ConfigError).message).not.toContain('\n')
      }
    })
  }
})

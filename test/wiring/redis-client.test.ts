import { describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config.ts'
import { createRedisClient } from '../../src/wiring/redis-client.ts'

describe('createRedisClient with REDIS_SENTINELS', () => {
  test('asks the sentinels for the named master, with REDIS_URL credentials and db, and the sentinel password apart', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://app:s%40cret@ignored:6379/3',
      REDIS_SENTINELS: 's1:26379,s2:26380',
      REDIS_SENTINEL_MASTER: 'proxymaster',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    })
    const client = createRedisClient(config, { lazyConnect: true })
    expect(client).toBeInstanceOf(Redis)
    const { options } = client as Redis
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'proxymaster',
      role: 'master',
      sentinelPassword: 'sentinel-pw',
      username: 'app',
      password: 's@cret',
      db: 3,
      enableOfflineQueue: false,
    })
    // Not ioredis' failoverDetector: its disconnect can end a reconnecting client for good.
    expect(options.failoverDetector).toBeFalsy()
    // Retries stay short while the sentinels elect a new master.
    expect(options.retryStrategy?.(10)).toBeLessThanOrEqual(250)
    client.disconnect()
  })
})

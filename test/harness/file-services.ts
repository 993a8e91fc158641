import { afterAll, beforeAll } from 'bun:test'
import type { Redis } from 'ioredis'
import { redisInspector } from './cache-fixtures.ts'
import { startMemcached, startRedis, type ServiceProcess } from './service-process.ts'

export interface FileServices {
  readonly redis: ServiceProcess
  readonly memcached: ServiceProcess
  /** A plain client on `redis`, for looking at and changing what Redis holds behind the proxy's back. */
  readonly inspector: Redis
}

/**
 * A redis-server and a memcached for the whole test file, started before its first test and
 * stopped after its last (hooks registered where this is called). Read the fields inside tests
 * and hooks: they are set once the services are up.
 */
export function servicesForFile(): FileServices {
  const services = {} as { redis: ServiceProcess; memcached: ServiceProcess; inspector: Redis }
  beforeAll(async () => {
    ;[services.redis, services.memcached] = await Promise.all([startRedis(), startMemcached()])
    services.inspector = redisInspector(services.redis)
  })
  afterAll(async () => {
    services.inspector?.disconnect()
    await Promise.all([services.redis?.stop(), services.memcached?.stop()])
  })
  return services
}

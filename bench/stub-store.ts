import type { RedisStore } from '../src/cache/redis/redis-store.ts'

export const BENCH_VALUE = 'v'.repeat(100)

/** A RedisStore that answers at once without a server: `bench:` keys hold BENCH_VALUE, nothing else exists. */
export const stubRedis: RedisStore = {
  get: (key) => Promise.resolve(key.startsWith('bench:') ? BENCH_VALUE : null),
  getWithTtl: async () => ({ value: null, ttlMs: -2 }),
  getManyWithTtl: async (keys) => keys.map(() => ({ value: null, ttlMs: -2 })),
  set: async () => ({ existed: false }),
  setMany: async (pairs) => pairs.map(() => ({ existed: false })),
  delete: async () => false,
  ttl: async () => -2,
  ping: async () => {},
  close: async () => {},
}

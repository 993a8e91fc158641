import type { LocalTier } from './local-tier.ts'

/** `LOCAL_CACHE=none`: every read goes to Redis. */
export class NoLocalTier implements LocalTier {
  readonly name = 'none' as const
  async get(): Promise<undefined> {
    return undefined
  }
  async set(): Promise<void> {}
  async delete(): Promise<void> {}
  async clear(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

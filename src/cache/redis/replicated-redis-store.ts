import type { Value } from '../value.ts'
import type { ReplicaAcknowledgements } from './replica-acknowledgements.ts'
import type { RedisStore } from './redis-store.ts'

/**
 * A RedisStore whose writes are acknowledged only once enough replicas hold them (REDIS_MIN_REPLICAS).
 * Writes go on connections of their own: WAIT blocks the connection it is sent on, and reads behind
 * it would wait as long.
 */
export class ReplicatedRedisStore implements RedisStore {
  constructor(
    private readonly reads: RedisStore,
    private readonly writes: RedisStore,
    private readonly acknowledgements: ReplicaAcknowledgements,
  ) {}

  get(key: string): Promise<Value | null> {
    return this.reads.get(key)
  }

  getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }> {
    return this.reads.getWithTtl(key)
  }

  set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }> {
    return this.acknowledgements.afterWrite([key], () => this.writes.set(key, value, ttlSeconds))
  }

  delete(key: string): Promise<boolean> {
    return this.acknowledgements.afterWrite([key], () => this.writes.delete(key))
  }

  /** Both connections: readiness means writes can be taken too. */
  async ping(): Promise<void> {
    await Promise.all([this.reads.ping(), this.writes.ping()])
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.reads.close(), this.writes.close()])
  }
}

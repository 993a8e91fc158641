import type { Value } from '../value.ts'
import { StoreUnavailableError } from '../errors.ts'
import type { RedisStore, ValueWithTtl } from './redis-store.ts'

export interface RedisAvailabilityChange {
  readonly available: boolean
  /** The first failure, when it became unavailable. */
  readonly error?: StoreUnavailableError
}

/**
 * Tells when Redis commands start failing and when they succeed again, once per change. A frozen
 * or unreachable-but-connected Redis raises no connection event: only its commands time out.
 */
export class ObservedRedisStore implements RedisStore {
  private failing = false

  constructor(
    private readonly store: RedisStore,
    private readonly onChange: (change: RedisAvailabilityChange) => void,
  ) {}

  get(key: string): Promise<Value | null> {
    return this.observe(this.store.get(key))
  }

  getWithTtl(key: string): Promise<ValueWithTtl> {
    return this.observe(this.store.getWithTtl(key))
  }

  getManyWithTtl(keys: readonly string[]): Promise<ValueWithTtl[]> {
    return this.observe(this.store.getManyWithTtl(keys))
  }

  setMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]> {
    return this.observe(this.store.setMany(pairs, ttlSeconds))
  }

  ttl(key: string): Promise<number> {
    return this.observe(this.store.ttl(key))
  }

  set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }> {
    return this.observe(this.store.set(key, value, ttlSeconds))
  }

  delete(key: string): Promise<boolean> {
    return this.observe(this.store.delete(key))
  }

  ping(): Promise<void> {
    return this.observe(this.store.ping())
  }

  close(): Promise<void> {
    return this.store.close()
  }

  private observe<T>(call: Promise<T>): Promise<T> {
    return call.then(
      (value) => {
        if (this.failing) {
          this.failing = false
          this.onChange({ available: true })
        }
        return value
      },
      (error: unknown) => {
        if (error instanceof StoreUnavailableError && !this.failing) {
          this.failing = true
          this.onChange({ available: false, error })
        }
        throw error
      },
    )
  }
}

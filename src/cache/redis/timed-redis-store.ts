import type { Value } from '../value.ts'
import { timed, type CommandTimer, type CommandTimers } from '../command-timer.ts'
import type { RedisStore, ValueWithTtl } from './redis-store.ts'

export type RedisOperation = 'get' | 'get_with_ttl' | 'get_many_with_ttl' | 'set' | 'set_many' | 'delete' | 'ttl' | 'ping'
export const REDIS_OPERATIONS: readonly RedisOperation[] = ['get', 'get_with_ttl', 'get_many_with_ttl', 'set', 'set_many', 'delete', 'ttl', 'ping']

/** A RedisStore whose every command is timed and its failures told, by operation. */
export class TimedRedisStore implements RedisStore {
  private readonly timers: Record<RedisOperation, CommandTimer>

  constructor(
    private readonly store: RedisStore,
    timers: CommandTimers<RedisOperation>,
  ) {
    this.timers = Object.fromEntries(REDIS_OPERATIONS.map((operation) => [operation, timers(operation)])) as Record<RedisOperation, CommandTimer>
  }

  get(key: string): Promise<Value | null> {
    const started = performance.now()
    return timed(this.timers.get, this.store.get(key), started)
  }

  getWithTtl(key: string): Promise<ValueWithTtl> {
    const started = performance.now()
    return timed(this.timers.get_with_ttl, this.store.getWithTtl(key), started)
  }

  getManyWithTtl(keys: readonly string[]): Promise<ValueWithTtl[]> {
    const started = performance.now()
    return timed(this.timers.get_many_with_ttl, this.store.getManyWithTtl(keys), started)
  }

  setMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]> {
    const started = performance.now()
    return timed(this.timers.set_many, this.store.setMany(pairs, ttlSeconds), started)
  }

  ttl(key: string): Promise<number> {
    const started = performance.now()
    return timed(this.timers.ttl, this.store.ttl(key), started)
  }

  set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }> {
    const started = performance.now()
    return timed(this.timers.set, this.store.set(key, value, ttlSeconds), started)
  }

  delete(key: string): Promise<boolean> {
    const started = performance.now()
    return timed(this.timers.delete, this.store.delete(key), started)
  }

  ping(): Promise<void> {
    const started = performance.now()
    return timed(this.timers.ping, this.store.ping(), started)
  }

  close(): Promise<void> {
    return this.store.close()
  }
}

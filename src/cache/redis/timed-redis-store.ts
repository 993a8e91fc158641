import type { Value } from '../value.ts'
import { timed, type CommandTimer, type CommandTimers } from '../command-timer.ts'
import type { RedisStore } from './redis-store.ts'

export type RedisOperation = 'get' | 'get_with_ttl' | 'set' | 'delete' | 'ping'
export const REDIS_OPERATIONS: readonly RedisOperation[] = ['get', 'get_with_ttl', 'set', 'delete', 'ping']

/** A RedisStore whose every command is timed and its failures told, by operation. */
export class TimedRedisStore implements RedisStore {
  private readonly timers: Record<RedisOperation, CommandTimer>

  constructor(
    private readonly store: RedisStore,
    timers: CommandTimers<RedisOperation>,
  ) {
    this.timers = { get: timers('get'), get_with_ttl: timers('get_with_ttl'), set: timers('set'), delete: timers('delete'), ping: timers('ping') }
  }

  get(key: string): Promise<Value | null> {
    const started = performance.now()
    return timed(this.timers.get, this.store.get(key), started)
  }

  getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }> {
    const started = performance.now()
    return timed(this.timers.get_with_ttl, this.store.getWithTtl(key), started)
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

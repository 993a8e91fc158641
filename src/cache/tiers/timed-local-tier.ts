import type { TaggedValue } from '../entity-tag.ts'
import type { Value } from '../value.ts'
import { timed, type CommandTimer, type CommandTimers } from '../command-timer.ts'
import type { FillLease, LocalRead, LocalTier } from './local-tier.ts'

export type LocalOperation = 'get' | 'set' | 'delete' | 'clear' | 'ping'
export const LOCAL_OPERATIONS: readonly LocalOperation[] = ['get', 'set', 'delete', 'clear', 'ping']

/** A local tier whose every call is timed and its failures told, by operation; `peek` counts as a `get`. */
export class TimedLocalTier implements LocalTier {
  readonly name: LocalTier['name']
  readonly peek?: (key: string) => TaggedValue | undefined
  /** Passed on only when the tier leases (their presence tells the orchestrator so): timed as get and set. */
  readonly getForFill?: (key: string) => Promise<LocalRead>
  readonly fill?: (key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease) => Promise<void>
  private readonly timers: Record<LocalOperation, CommandTimer>

  constructor(
    /** The tier underneath, as built (a GuardedLocalTier, a MemoryTier…). */
    readonly tier: LocalTier,
    timers: CommandTimers<LocalOperation>,
  ) {
    this.name = tier.name
    this.timers = { get: timers('get'), set: timers('set'), delete: timers('delete'), clear: timers('clear'), ping: timers('ping') }
    if (tier.getForFill) {
      this.getForFill = (key) => {
        const started = performance.now()
        return timed(this.timers.get, tier.getForFill!(key), started)
      }
    }
    if (tier.fill) {
      this.fill = (key, value, ttlSeconds, lease) => {
        const started = performance.now()
        return timed(this.timers.set, tier.fill!(key, value, ttlSeconds, lease), started)
      }
    }
    const peek = tier.peek?.bind(tier)
    if (peek) {
      const timer = this.timers.get
      this.peek = (key) => {
        const started = performance.now()
        const value = peek(key)
        timer.succeeded((performance.now() - started) / 1000)
        return value
      }
    }
  }

  get(key: string): Promise<Value | undefined> {
    const started = performance.now()
    return timed(this.timers.get, this.tier.get(key), started)
  }

  set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    const started = performance.now()
    return timed(this.timers.set, this.tier.set(key, value, ttlSeconds), started)
  }

  delete(key: string): Promise<void> {
    const started = performance.now()
    return timed(this.timers.delete, this.tier.delete(key), started)
  }

  clear(): Promise<void> {
    const started = performance.now()
    return timed(this.timers.clear, this.tier.clear(), started)
  }

  ping(): Promise<void> {
    const started = performance.now()
    return timed(this.timers.ping, this.tier.ping(), started)
  }

  close(): Promise<void> {
    return this.tier.close()
  }
}

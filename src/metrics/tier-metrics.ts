import { Counter, type Registry } from 'prom-client'
import type { CommandTimer, CommandTimers } from '../cache/command-timer.ts'
import { FAILURE_REASONS, isRefusalOfKeys, LocalTierUnavailableError, StoreUnavailableError, type FailureReason } from '../cache/errors.ts'
import { BucketHistogram } from './bucket-histogram.ts'

// Seconds: an in-process read takes well under a microsecond, a Redis timeout a second or more.
const COMMAND_BUCKETS = [0.000001, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export interface TierTimersOptions {
  /** The tier can fail (it does I/O): its error series are made at 0 for every operation and reason. */
  canFail: boolean
  /** A circuit breaker can skip its calls: its skipped series are made at 0 too. */
  canSkip: boolean
}

/** Per tier and operation: how long calls took, which failed and why, which an open circuit skipped. */
export class TierMetrics {
  private readonly latency: BucketHistogram<'tier' | 'operation'>
  private readonly errors: Counter<'tier' | 'operation' | 'reason'>
  private readonly skipped: Counter<'tier' | 'operation'>

  constructor(registers: Registry[]) {
    this.latency = new BucketHistogram({ name: 'redis_proxy_tier_command_duration_seconds', help: 'Time a tier took to answer a call, by tier (memory, memcached, redis) and operation.', labelNames: ['tier', 'operation'], buckets: COMMAND_BUCKETS, registers })
    this.errors = new Counter({ name: 'redis_proxy_tier_errors_total', help: 'Tier calls that failed, by reason: timeout, unreachable (no connection) or error.', labelNames: ['tier', 'operation', 'reason'], registers })
    this.skipped = new Counter({ name: 'redis_proxy_tier_skipped_total', help: 'Tier calls not sent because the circuit breaker in front of the tier was open.', labelNames: ['tier', 'operation'], registers })
  }

  /** The timers of one tier's operations, its series made (at 0) as each operation is asked for. */
  timers<Operation extends string>(tier: string, { canFail, canSkip }: TierTimersOptions): CommandTimers<Operation> {
    return (operation) => {
      const latency = this.latency.series({ tier, operation })
      const errors = this.errors
      const failures = Object.fromEntries(FAILURE_REASONS.map((reason) => [reason, errors.labels(tier, operation, reason)])) as Record<FailureReason, Counter.Internal>
      const skipped = this.skipped.labels(tier, operation)
      if (canFail) for (const counter of Object.values(failures)) counter.inc(0)
      if (canSkip) skipped.inc(0)
      const timer: CommandTimer = {
        succeeded: (seconds) => latency.observe(seconds),
        failed: (seconds, error) => {
          if (error instanceof LocalTierUnavailableError && error.reason === 'circuit_open') return skipped.inc()
          latency.observe(seconds)
          // A WRONGTYPE or CROSSSLOT reply is an answer about the keys, not a failure of Redis.
          if (!isRefusalOfKeys(error)) failures[reasonOf(error)].inc()
        },
      }
      return timer
    }
  }
}

function reasonOf(error: unknown): FailureReason {
  if (error instanceof StoreUnavailableError) return error.reason
  if (error instanceof LocalTierUnavailableError && error.reason !== 'circuit_open') return error.reason
  return 'error'
}

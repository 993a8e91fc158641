import { systemClock, type Clock } from '../clock.ts'

interface Pending {
  readonly deadline: number
  /** Rejects the call's promise with its timeout error. */
  readonly expire: () => void
}

/**
 * Bounds calls to a fixed time with one timer for all of them, not one per call: a setTimeout,
 * clearTimeout and Promise.race around every Memcached get cost 0.29 µs on Bun and 0.65 µs on Node
 * (measured alone), on a path whose whole budget is a few microseconds.
 *
 * Every call gets the same budget, so calls expire in the order they started: the timer, which runs
 * only while calls are pending, rejects from the oldest and stops at the first one still in time.
 * A call is rejected between `timeoutMs` and `timeoutMs + tickMs` after it started.
 */
export class Deadlines {
  /** In start order, which is also deadline order. */
  private readonly pending = new Set<Pending>()
  private stopTimer: (() => void) | undefined
  readonly tickMs: number

  constructor(
    readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tickMs = Math.min(25, Math.max(1, Math.round(timeoutMs / 10)))
  }

  /** `call`'s outcome, or `timedOut()`'s error if it has not settled within the budget. */
  within<T>(call: Promise<T>, timedOut: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: this.clock.now() + this.timeoutMs, expire: () => reject(timedOut()) }
      this.pending.add(entry)
      this.stopTimer ??= this.clock.every(this.tickMs, () => this.expire())
      call.then(
        (value) => {
          if (this.pending.delete(entry)) resolve(value)
        },
        (error: Error) => {
          if (this.pending.delete(entry)) reject(error)
        },
      )
    })
  }

  /** Calls still waiting. */
  get size(): number {
    return this.pending.size
  }

  /** Whether the timer runs (only while calls are pending, so an idle process can exit). */
  get ticking(): boolean {
    return this.stopTimer !== undefined
  }

  private expire(): void {
    const now = this.clock.now()
    for (const entry of this.pending) {
      if (entry.deadline > now) break
      this.pending.delete(entry)
      entry.expire()
    }
    if (this.pending.size === 0) {
      this.stopTimer?.()
      this.stopTimer = undefined
    }
  }
}

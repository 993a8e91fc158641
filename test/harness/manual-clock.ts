import type { Clock } from '../../src/cache/clock.ts'

/** A clock that moves only when the test says so; its interval timers fire as time passes them. */
export class ManualClock implements Clock {
  private time = 0
  private readonly timers = new Set<{ ms: number; next: number; tick: () => void }>()

  now(): number {
    return this.time
  }

  every(ms: number, tick: () => void): () => void {
    const timer = { ms, next: this.time + ms, tick }
    this.timers.add(timer)
    return () => this.timers.delete(timer)
  }

  /** Moves time forward, firing every timer due on the way, in time order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      let due: { ms: number; next: number; tick: () => void } | undefined
      for (const timer of this.timers) if (timer.next <= end && (!due || timer.next < due.next)) due = timer
      if (!due) break
      this.time = due.next
      due.next += due.ms
      due.tick()
    }
    this.time = end
  }

  /** Timers running. */
  get running(): number {
    return this.timers.size
  }
}

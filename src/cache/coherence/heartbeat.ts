import type { Redis } from 'ioredis'
import type { CoherenceGate } from './coherence-gate.ts'

export interface HeartbeatOptions {
  /** The subscribed connection: Redis answers its PING after every invalidation it queued before reading the PING. */
  subscriber: Pick<Redis, 'ping'>
  gate: CoherenceGate
  /** Who the gate credits with each answered heartbeat. */
  member: unknown
  intervalMs: number
  /** No heartbeat answered for this long: `onLost`. */
  lostAfterMs: number
  /** Heartbeats are sent only while this says the stream is set up. */
  isTracking: () => boolean
  onAnswer?: (roundTripMs: number) => void
  onLost: () => void
}

/**
 * PINGs on the subscribed connection, one at a time. A PONG for a PING sent at t proves that every
 * invalidation for a write Redis acknowledged before t has been handled here (they come first, on the
 * same connection, and ioredis emits them before it settles the PING), so the gate learns how current
 * the stream is.
 */
export class Heartbeat {
  private readonly options: HeartbeatOptions
  private timer: ReturnType<typeof setInterval> | undefined
  private outstanding = false
  private lostReported = false

  constructor(options: HeartbeatOptions) {
    this.options = options
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.intervalMs)
    this.timer.unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One heartbeat now, awaited (rejects when it is not answered). */
  async beatNow(): Promise<void> {
    const sentAt = this.options.gate.now()
    await this.options.subscriber.ping()
    this.answered(sentAt)
  }

  private tick(): void {
    const { gate, member, lostAfterMs, isTracking, onLost } = this.options
    if (!isTracking()) return
    const age = gate.memberHeartbeatAgeMs(member)
    if (age !== undefined && age > lostAfterMs && !this.lostReported) {
      this.lostReported = true
      onLost()
      return
    }
    if (this.outstanding) return
    this.outstanding = true
    this.beatNow()
      .catch(() => {}) // a timeout or a drop: the age keeps growing, and the connection's own events report it
      .finally(() => (this.outstanding = false))
  }

  private answered(sentAt: number): void {
    this.lostReported = false
    this.options.gate.heartbeatAnswered(this.options.member, sentAt)
    this.options.onAnswer?.(this.options.gate.now() - sentAt)
  }
}

import { KeyVersions } from './key-versions.ts'

/** Why a read did not look at the local tier. */
export type LocalSkipReason = 'suspended' | 'stale'

export interface CoherenceGateOptions {
  /** Local copies are served only while every heartbeating member answered a heartbeat sent within this many ms. */
  maxStalenessMs?: number
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number
}

/**
 * The one place that decides whether a local copy may be served now and whether a read may fill
 * the local tier. Invalidation listeners feed it (a member each: a connection, a Cluster node, the
 * topology): a member that may be missing invalidations suspends it, and its heartbeats prove how
 * current its stream is. TieredCache and readiness ask it.
 */
export class CoherenceGate {
  readonly maxStalenessMs: number
  /** The gate's clock (ms, monotonic): heartbeats are timed on it. */
  readonly now: () => number
  private readonly versions = new KeyVersions()
  private readonly suspendedMembers = new Set<unknown>()
  /** Per member: when the newest answered heartbeat was sent. */
  private readonly heartbeats = new Map<unknown, number>()
  /** The moment the oldest member's newest heartbeat becomes too old (Infinity: no member heartbeats). */
  private servableUntil = Infinity
  private closed = false
  private epochNow = 0
  private openWaiters: (() => void)[] = []

  constructor({ maxStalenessMs = Infinity, now = () => performance.now() }: CoherenceGateOptions = {}) {
    this.maxStalenessMs = maxStalenessMs
    this.now = now
  }

  /** Bumped by every suspend and flush-all: reads begun before it may not be joined or fill. */
  get epoch(): number {
    return this.epochNow
  }

  get suspended(): boolean {
    return this.closed
  }

  /** Why a local copy may not be served now; undefined when it may. */
  localSkipReason(): LocalSkipReason | undefined {
    if (this.closed) return 'suspended'
    if (this.servableUntil !== Infinity && this.now() > this.servableUntil) return 'stale'
    return undefined
  }

  /** `member` may miss invalidations from now on: no local copy is served or filled until every member resumes. */
  suspend(member: unknown): void {
    this.suspendedMembers.add(member)
    this.closed = true
    this.epochNow++
    // Reads in flight may miss their invalidation: none of them may fill the local tier.
    this.versions.invalidateAll()
  }

  /**
   * `member`'s invalidations flow again. When it was the last one suspended, `forget` drops what the
   * local tier held (it may have missed changes) and the gate opens, unless another suspend came
   * meanwhile. Tells whether the gate is open.
   */
  async resume(member: unknown, forget: () => Promise<void>): Promise<boolean> {
    this.suspendedMembers.delete(member)
    if (!this.closed) return true
    if (this.suspendedMembers.size > 0) return false
    const epoch = ++this.epochNow
    await forget()
    if (epoch !== this.epochNow) return false
    this.closed = false
    for (const resolve of this.openWaiters.splice(0)) resolve()
    return true
  }

  /** Resolves when local copies may be served (at once when they may now). */
  whenOpen(): Promise<void> {
    if (!this.closed) return Promise.resolve()
    return new Promise((resolve) => this.openWaiters.push(resolve))
  }

  /** `member` is gone (a node left the Cluster, a listener closed): it neither holds the gate nor heartbeats. */
  leave(member: unknown): void {
    this.suspendedMembers.delete(member)
    this.stopHeartbeats(member)
  }

  /** A heartbeat of `member`, sent at `sentAt` (the gate's clock), was answered after every invalidation before it. */
  heartbeatAnswered(member: unknown, sentAt: number): void {
    if (sentAt <= (this.heartbeats.get(member) ?? -Infinity)) return
    this.heartbeats.set(member, sentAt)
    this.updateServableUntil()
  }

  /** `member` no longer proves its stream by heartbeats (tracking refused, or it left). */
  stopHeartbeats(member: unknown): void {
    if (this.heartbeats.delete(member)) this.updateServableUntil()
  }

  /** Age of the oldest member's newest answered heartbeat, in ms; undefined when no member heartbeats. */
  heartbeatAgeMs(): number | undefined {
    if (this.heartbeats.size === 0) return undefined
    return this.now() - Math.min(...this.heartbeats.values())
  }

  /** Age of `member`'s newest answered heartbeat, in ms; undefined before its first. */
  memberHeartbeatAgeMs(member: unknown): number | undefined {
    const sentAt = this.heartbeats.get(member)
    return sentAt === undefined ? undefined : this.now() - sentAt
  }

  /** A read of `key` begins: the stamp it must still hold to fill the local tier. */
  beginRead(key: string): number {
    return this.versions.begin(key)
  }

  /** A write (or delete) of `key` begins: it overtakes every operation on the key in flight. */
  beginWrite(key: string): number {
    return this.versions.beginWrite(key)
  }

  /** Whether the operation that took `stamp` may put its answer in the local tier. */
  mayFill(key: string, stamp: number): boolean {
    return !this.closed && this.versions.isCurrent(key, stamp)
  }

  /** Keys with an operation in flight (each one ends, or its key stays held for ever). */
  get pendingOperations(): number {
    return this.versions.pending
  }

  /** The operation on `key` that took a stamp is over. */
  end(key: string): void {
    this.versions.end(key)
  }

  /** The key changed in Redis: answers in flight for it are stale. */
  invalidate(key: string): void {
    this.versions.invalidate(key)
  }

  /** Everything may have changed: every answer in flight is stale. */
  invalidateAll(): void {
    this.epochNow++
    this.versions.invalidateAll()
  }

  private updateServableUntil(): void {
    this.servableUntil = this.heartbeats.size === 0 ? Infinity : Math.min(...this.heartbeats.values()) + this.maxStalenessMs
  }
}

import type { Value } from '../value.ts'
import { Deadlines } from './deadlines.ts'
import { isUnreachableCode, LocalTierUnavailableError } from '../errors.ts'
import type { FillLease, LocalRead, LocalTier } from './local-tier.ts'

/** `closed`: the tier is used; `open`: it is skipped (a probe on a timer checks it meanwhile). */
export type CircuitState = 'closed' | 'open'

export interface CircuitChange {
  readonly tier: LocalTier['name']
  /** Which server of a pool, when the breaker guards one of several. */
  readonly node?: string
  readonly from: CircuitState
  readonly to: CircuitState
  readonly reason: string
}

export interface GuardedLocalTierOptions {
  tier: LocalTier
  /** The server this breaker guards, told in its changes (a pool has one breaker per server). */
  node?: string
  /** Consecutive failed or timed-out reads that open the circuit. */
  failureThreshold?: number
  /** Longest wait for one call (plus at most a tenth of it, ≤ 25 ms: see Deadlines): a frozen server costs about this per request until the circuit opens. */
  callTimeoutMs?: number
  /** How long an open circuit skips the tier before one probe asks it again (and again after each failed probe). */
  coolDownMs?: number
  /** Called once per change of state (not once per failed call). */
  onStateChange?: (change: CircuitChange) => void
}

/**
 * A circuit breaker around a local tier (Memcached): its failures cost a bounded time, and after
 * a few of them the tier is skipped until a probe, on a timer, finds it answering again.
 *
 * A failed write or delete opens the circuit at once: the tier may now hold a value that Redis no
 * longer has. For the same reason the probe clears the tier before it is used again (Memcached: a new
 * namespace, nothing flushed); entries written while it was skipped or unreachable would otherwise be
 * served stale. A failed lease-guarded fill is only a failed read: a delete defeats it wherever it lands.
 */
export class GuardedLocalTier implements LocalTier {
  readonly name: LocalTier['name']
  readonly getForFill?: (key: string) => Promise<LocalRead>
  readonly fill?: (key: string, value: Value, ttlSeconds: number | undefined, lease: FillLease) => Promise<void>
  private readonly tier: LocalTier
  private readonly node: string | undefined
  private readonly failureThreshold: number
  /** Bounds every call to callTimeoutMs (its `timeoutMs`). */
  private readonly deadlines: Deadlines
  private readonly coolDownMs: number
  private readonly onStateChange: (change: CircuitChange) => void
  private current: CircuitState = 'closed'
  private consecutiveFailures = 0
  private probeTimer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor({ tier, node, failureThreshold = 3, callTimeoutMs = 200, coolDownMs = 1000, onStateChange = () => {} }: GuardedLocalTierOptions) {
    this.name = tier.name
    this.tier = tier
    this.node = node
    // Offered only when the tier offers them: their presence tells the orchestrator the tier leases.
    if (tier.getForFill) this.getForFill = (key) => this.guard('get', () => tier.getForFill!(key), false)
    if (tier.fill) this.fill = (key, value, ttlSeconds, lease) => this.guard('fill', () => tier.fill!(key, value, ttlSeconds, lease), false)
    this.failureThreshold = failureThreshold
    this.deadlines = new Deadlines(callTimeoutMs)
    this.coolDownMs = coolDownMs
    this.onStateChange = onStateChange
  }

  get state(): CircuitState {
    return this.current
  }

  get(key: string): Promise<Value | undefined> {
    return this.guard('get', () => this.tier.get(key), false)
  }

  set(key: string, value: Value, ttlSeconds?: number): Promise<void> {
    return this.guard('set', () => this.tier.set(key, value, ttlSeconds), true)
  }

  delete(key: string): Promise<void> {
    return this.guard('delete', () => this.tier.delete(key), true)
  }

  clear(): Promise<void> {
    return this.guard('clear', () => this.tier.clear(), true)
  }

  /** Fails at once while the circuit is open, so readiness tells the tier is down without waiting. */
  ping(): Promise<void> {
    return this.guard('ping', () => this.tier.ping(), false)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.probeTimer)
    await this.tier.close()
  }

  private async guard<T>(operation: string, call: () => Promise<T>, mutates: boolean): Promise<T> {
    if (this.current !== 'closed') {
      throw new LocalTierUnavailableError(this.name, 'circuit_open', `The ${this.label} tier is skipped after failures (${operation} not sent).`)
    }
    try {
      const result = await this.within(call, operation)
      this.consecutiveFailures = 0
      return result
    } catch (error) {
      const failure = this.typed(error, operation)
      if (mutates) this.open(`${operation} failed: ${failure.message}`)
      else if (++this.consecutiveFailures >= this.failureThreshold) this.open(`${this.consecutiveFailures} ${operation} calls failed in a row: ${failure.message}`)
      throw failure
    }
  }

  private open(reason: string): void {
    if (this.current !== 'closed') return
    this.consecutiveFailures = 0
    this.change('open', reason)
    this.scheduleProbe()
  }

  /** The probe runs on a timer, not on a request: no request waits for it, and recovery needs no traffic. */
  private scheduleProbe(): void {
    if (this.closed) return
    this.probeTimer = setTimeout(() => void this.probe(), this.coolDownMs)
    this.probeTimer.unref?.()
  }

  /** Asks the tier once; if it answers, clears what it may hold from before and uses it again. */
  private async probe(): Promise<void> {
    try {
      await this.within(() => this.tier.ping(), 'ping')
      await this.within(() => this.tier.clear(), 'clear')
      if (this.closed) return
      this.consecutiveFailures = 0
      this.change('closed', 'a probe got answers and the tier was cleared')
    } catch {
      this.scheduleProbe()
    }
  }

  private change(to: CircuitState, reason: string): void {
    const from = this.current
    this.current = to
    const node = this.node === undefined ? {} : { node: this.node }
    this.onStateChange({ tier: this.name, ...node, from, to, reason })
  }

  private get label(): string {
    return this.node === undefined ? this.name : `${this.name} ${this.node}`
  }

  private within<T>(call: () => Promise<T>, operation: string): Promise<T> {
    return this.deadlines.within(call(), () => new LocalTierUnavailableError(this.name, 'timeout', `The ${this.label} tier did not answer ${operation} within ${this.deadlines.timeoutMs} ms.`))
  }

  /** The tier's own error (memjs') as a LocalTierUnavailableError with a reason; ours pass as they are. */
  private typed(error: unknown, operation: string): LocalTierUnavailableError {
    if (error instanceof LocalTierUnavailableError) return error
    const message = error instanceof Error ? error.message : String(error)
    return new LocalTierUnavailableError(this.name, isUnreachableCode(error) ? 'unreachable' : 'error', `The ${this.label} tier failed ${operation}: ${message}`, { cause: error })
  }
}

/**
 * A Jepsen-lite history of concurrent operations on a few keys, and the checker of a staleness bound.
 *
 * Every operation is recorded with its invocation and completion times on one monotonic clock (this
 * process's `performance.now()`). Writes carry values unique to them, so every read names the write it
 * saw; `null` stands for "the key is absent" (the initial state, deletes, FLUSHALL, expiries).
 *
 * The rule checked: a read invoked at t may return the value of a write w only if no write w' of the
 * key that was invoked after w was acknowledged ("w' certainly follows w") was itself acknowledged
 * before t - bound. Writes that overlap are concurrent: either may be the last, so several values are
 * legal. A read's staleness is how long before its invocation its value was certainly overwritten
 * (0 when it was not); a write whose outcome is unknown (a 503, a lost connection) may have been
 * applied at any moment after its invocation and never overwrites anything here.
 */

export type Observed = string | null

export type WriteOutcome = 'acknowledged' | 'unknown' | 'refused'

export interface WriteRecord {
  readonly key: string
  /** The value written (unique to this write), or null for a delete or a flush. */
  readonly value: Observed
  /** Who wrote: a proxy's name, or "redis" for a program writing straight to it. */
  readonly by: string
  readonly invokedAt: number
  completedAt: number
  outcome: WriteOutcome
  /** The key expires this many ms after the write is applied. */
  readonly ttlMs?: number
}

export interface ReadRecord {
  readonly key: string
  readonly by: string
  readonly invokedAt: number
  completedAt: number
  /** What the read returned; undefined while it has not, or when it failed (a 503: nothing to check). */
  value?: Observed
  source?: string
  failed?: boolean
}

export interface WriteHandle {
  acknowledged(): void
  /** Outcome unknown: the write may still be applied, now or later. */
  unknown(): void
  /** Certainly not applied (a 4xx). */
  refused(): void
}

export interface ReadHandle {
  returned(value: Observed, source?: string): void
  failed(): void
}

export class History {
  readonly writes: WriteRecord[] = []
  readonly reads: ReadRecord[] = []

  constructor(
    readonly keys: readonly string[],
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A write (`value`) or delete (`null`) of `key` is invoked; its outcome stays unknown until told. */
  write(key: string, value: Observed, by: string, ttlMs?: number): WriteHandle {
    const record: WriteRecord = { key, value, by, ttlMs, invokedAt: this.now(), completedAt: Infinity, outcome: 'unknown' }
    this.writes.push(record)
    return this.handle([record])
  }

  /** A FLUSHALL: a delete of every key of the history at once. */
  flush(by: string): WriteHandle {
    const invokedAt = this.now()
    const records = this.keys.map((key): WriteRecord => ({ key, value: null, by, invokedAt, completedAt: Infinity, outcome: 'unknown' }))
    this.writes.push(...records)
    return this.handle(records)
  }

  read(key: string, by: string): ReadHandle {
    const record: ReadRecord = { key, by, invokedAt: this.now(), completedAt: Infinity }
    this.reads.push(record)
    return {
      returned: (value, source) => {
        record.completedAt = this.now()
        record.value = value
        record.source = source
      },
      failed: () => {
        record.completedAt = this.now()
        record.failed = true
      },
    }
  }

  private handle(records: WriteRecord[]): WriteHandle {
    const complete = (outcome: WriteOutcome) => {
      const at = this.now()
      for (const record of records) {
        record.completedAt = at
        record.outcome = outcome
      }
    }
    return { acknowledged: () => complete('acknowledged'), unknown: () => complete('unknown'), refused: () => complete('refused') }
  }
}

export interface StaleRead {
  readonly read: ReadRecord
  /** How long before the read was invoked its value was certainly overwritten. */
  readonly stalenessMs: number
}

export interface LostWrite {
  readonly key: string
  /** What Redis holds at the end. */
  readonly final: Observed
  /** The values it may legally hold. */
  readonly legal: Observed[]
}

export interface HistoryVerdict {
  readonly readsChecked: number
  readonly readsFailed: number
  readonly worstStalenessMs: number
  /** The read with the worst staleness, to show in a failure. */
  readonly worstRead: ReadRecord | undefined
  /** Reads staler than the bound. */
  readonly staleReads: StaleRead[]
  /** Reads of a value no write could have produced by then (never written, or written after the read ended). */
  readonly impossibleReads: ReadRecord[]
  /** Keys whose final value is not one of the legal last values: an acknowledged write disappeared. */
  readonly lostWrites: LostWrite[]
}

export interface CheckOptions {
  boundMs: number
  /** What Redis held for each key at `finalAt`, after every operation completed. */
  final?: { values: ReadonlyMap<string, Observed>; at: number }
}

/** One state the key may have been in: a write's value, a delete, the initial absence or an expiry. */
interface Version {
  readonly value: Observed
  readonly invokedAt: number
  /** Infinity when never acknowledged: it may be applied at any time after its invocation. */
  readonly acknowledgedAt: number
  /** For a write with a TTL: when it is certainly expired (Infinity when not acknowledged). */
  readonly expiredBy: number
  /** For an expiry: the write that expires (the expiry happens only if that write was still current). */
  readonly expiring?: Version
}

/** The versions of one key, with what "certainly overwritten by" needs precomputed. */
class KeyVersions {
  readonly versions: Version[]
  /** Writes and deletes (not expiries) by invocation time, and the earliest acknowledgement from each onward. */
  private readonly byInvocation: Version[]
  private readonly earliestAckFrom: number[]

  constructor(writes: readonly WriteRecord[]) {
    const initial: Version = { value: null, invokedAt: -Infinity, acknowledgedAt: -Infinity, expiredBy: Infinity }
    const written: Version[] = []
    const expiries: Version[] = []
    for (const write of writes) {
      if (write.outcome === 'refused') continue
      const acknowledgedAt = write.outcome === 'acknowledged' ? write.completedAt : Infinity
      const expires = write.ttlMs !== undefined && write.value !== null
      const version: Version = { value: write.value, invokedAt: write.invokedAt, acknowledgedAt, expiredBy: expires ? acknowledgedAt + write.ttlMs : Infinity }
      written.push(version)
      // Redis sets the expiry when it applies the write: somewhere between its invocation and its acknowledgement, plus the TTL.
      if (expires) expiries.push({ value: null, invokedAt: write.invokedAt + write.ttlMs, acknowledgedAt: version.expiredBy, expiredBy: Infinity, expiring: version })
    }
    this.byInvocation = [initial, ...written].sort((a, b) => a.invokedAt - b.invokedAt)
    this.earliestAckFrom = new Array<number>(this.byInvocation.length + 1).fill(Infinity)
    for (let i = this.byInvocation.length - 1; i >= 0; i--) this.earliestAckFrom[i] = Math.min(this.byInvocation[i]!.acknowledgedAt, this.earliestAckFrom[i + 1]!)
    this.versions = [...this.byInvocation, ...expiries]
  }

  /** When `version` was certainly overwritten (Infinity: it may still be current). */
  overwrittenAt(version: Version): number {
    return Math.min(version.expiredBy, this.earliestAckInvokedAfter(version.acknowledgedAt))
  }

  /** Whether `version` can have been the key's state at some moment before `by`. */
  possibleBefore(version: Version, by: number): boolean {
    if (version.invokedAt >= by) return false
    // An expiry happens only if its write was not certainly overwritten before the key was due to expire.
    if (version.expiring) return this.earliestAckInvokedAfter(version.expiring.acknowledgedAt) > version.invokedAt
    return true
  }

  /** Earliest acknowledgement among writes invoked after `time`. */
  private earliestAckInvokedAfter(time: number): number {
    let low = 0
    let high = this.byInvocation.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.byInvocation[middle]!.invokedAt > time) high = middle
      else low = middle + 1
    }
    return this.earliestAckFrom[low]!
  }
}

/** Checks every completed read against the bound, and the final values against the acknowledged writes. */
export function checkHistory(history: History, { boundMs, final }: CheckOptions): HistoryVerdict {
  const perKey = new Map<string, KeyVersions>()
  for (const key of history.keys) perKey.set(key, new KeyVersions(history.writes.filter((write) => write.key === key)))
  const staleReads: StaleRead[] = []
  const impossibleReads: ReadRecord[] = []
  let readsChecked = 0
  let readsFailed = 0
  let worstStalenessMs = 0
  let worstRead: ReadRecord | undefined
  for (const read of history.reads) {
    if (read.failed || read.value === undefined) {
      readsFailed++
      continue
    }
    const versions = perKey.get(read.key)
    if (!versions) throw new Error(`a read of ${read.key}, which is not one of the history's keys`)
    readsChecked++
    const candidates = versions.versions.filter((version) => version.value === read.value && versions.possibleBefore(version, read.completedAt))
    if (candidates.length === 0) {
      impossibleReads.push(read)
      continue
    }
    const staleness = Math.max(0, Math.min(...candidates.map((version) => read.invokedAt - versions.overwrittenAt(version))))
    if (staleness > worstStalenessMs) {
      worstStalenessMs = staleness
      worstRead = read
    }
    if (staleness > boundMs) staleReads.push({ read, stalenessMs: staleness })
  }
  const lostWrites: LostWrite[] = []
  if (final) {
    for (const key of history.keys) {
      const versions = perKey.get(key)!
      const legal = versions.versions.filter((version) => versions.possibleBefore(version, final.at) && versions.overwrittenAt(version) > final.at)
      const value = final.values.get(key) ?? null
      if (!legal.some((version) => version.value === value)) lostWrites.push({ key, final: value, legal: [...new Set(legal.map((version) => version.value))] })
    }
  }
  return { readsChecked, readsFailed, worstStalenessMs, worstRead, staleReads, impossibleReads, lostWrites }
}

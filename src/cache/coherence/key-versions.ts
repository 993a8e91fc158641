/**
 * Per-key version stamps for operations in flight, so that a Redis answer that has been
 * overtaken (by a later write, a delete or an invalidation) never lands in the local tier.
 * Only keys with an operation in flight are held; a flush-all raises a floor for every key.
 */
export class KeyVersions {
  private counter = 0
  private floor = 0
  private readonly entries = new Map<string, { version: number; users: number }>()

  /** Starts a read: the stamp it must still hold when its answer arrives. */
  begin(key: string): number {
    const entry = this.entries.get(key)
    if (entry) {
      entry.users++
      return entry.version
    }
    this.entries.set(key, { version: this.counter, users: 1 })
    return this.counter
  }

  /** Starts a write: it supersedes every operation on the key already in flight. */
  beginWrite(key: string): number {
    this.begin(key)
    const entry = this.entries.get(key)!
    entry.version = ++this.counter
    return entry.version
  }

  isCurrent(key: string, stamp: number): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && entry.version === stamp && stamp >= this.floor
  }

  end(key: string): void {
    const entry = this.entries.get(key)
    if (entry && --entry.users === 0) this.entries.delete(key)
  }

  /** The key changed elsewhere: answers in flight for it are stale. */
  invalidate(key: string): void {
    const entry = this.entries.get(key)
    if (entry) entry.version = ++this.counter
  }

  /** Everything may have changed: every answer in flight is stale. */
  invalidateAll(): void {
    this.floor = ++this.counter
  }

  /** Operations in flight, for tests and metrics. */
  get pending(): number {
    return this.entries.size
  }
}

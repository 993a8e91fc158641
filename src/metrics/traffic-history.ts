/** Requests per second over the last `seconds`, in a fixed ring: O(1) per request, no timers. */
export class TrafficHistory {
  private readonly counts: Uint32Array
  private readonly secondOf: Float64Array

  constructor(
    readonly seconds = 120,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = new Uint32Array(seconds)
    this.secondOf = new Float64Array(seconds).fill(-1)
  }

  record(): void {
    const second = Math.floor(this.now() / 1000)
    const slot = second % this.seconds
    if (this.secondOf[slot] !== second) {
      this.secondOf[slot] = second
      this.counts[slot] = 0
    }
    this.counts[slot]!++
  }

  /** Counts of the last `seconds` whole seconds, oldest first; the current, unfinished second is left out. */
  recent(): number[] {
    const current = Math.floor(this.now() / 1000)
    const counts: number[] = []
    for (let second = current - this.seconds; second < current; second++) {
      const slot = ((second % this.seconds) + this.seconds) % this.seconds
      counts.push(this.secondOf[slot] === second ? this.counts[slot]! : 0)
    }
    return counts
  }
}

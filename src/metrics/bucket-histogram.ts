import type { Metric, Registry } from 'prom-client'

/** One labelled series: plain counts per bucket, summed into Prometheus' cumulative form only when scraped. */
export class HistogramSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot, above every bound (+Inf only). */
  private readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe(value: number): void {
    const bounds = this.bounds
    let slot = 0
    while (slot < bounds.length && value > bounds[slot]!) slot++
    this.counts[slot]!++
    this.sum += value
    this.count++
  }

  /** Observations at or below each bound, in order, then the total (le="+Inf"). */
  cumulative(): number[] {
    const counts: number[] = []
    let below = 0
    for (let slot = 0; slot < this.bounds.length; slot++) counts.push((below += this.counts[slot]!))
    counts.push(this.count)
    return counts
  }
}

export interface BucketHistogramOptions<Label extends string> {
  name: string
  help: string
  labelNames: readonly Label[]
  buckets: readonly number[]
  registers: Registry[]
}

interface ExportedValue {
  labels: Record<string, string | number>
  sharedLabels?: Record<string, string>
  value: number
  metricName: string
}

/**
 * A Prometheus histogram for the request hot path, registered on a prom-client Registry and
 * exposed in the same text form as prom-client's own Histogram.
 *
 * prom-client's `observe` copies the labels, validates them, hashes them and looks the bucket up
 * by property name on every call: 0.65 µs of a 3.6 µs request in-process (bench/in-process.ts,
 * ablated on Bun). Here the caller keeps its series (`series(labels)`, once per label set) and an
 * observation is a short scan of the bounds and three additions; Prometheus' cumulative buckets
 * are summed when scraped.
 */
export class BucketHistogram<Label extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  private readonly labelNames: readonly Label[]
  private readonly bounds: readonly number[]
  /** The `le` label of each cumulative count: every bound, then +Inf. */
  private readonly upperBounds: readonly (number | string)[]
  private readonly byLabels = new Map<string, HistogramSeries>()

  constructor({ name, help, labelNames, buckets, registers }: BucketHistogramOptions<Label>) {
    this.name = name
    this.help = help
    this.labelNames = labelNames
    this.bounds = [...buckets].sort((a, b) => a - b)
    this.upperBounds = [...this.bounds, '+Inf']
    // The Registry reads a metric through get()/getForPromString() and reset(): the shape this class has.
    for (const registry of registers) registry.registerMetric(this as unknown as Metric)
  }

  /** The series for one set of label values; keep it, rather than asking per observation. */
  series(labels: Readonly<Record<Label, string>>): HistogramSeries {
    const id = this.labelNames.map((name) => labels[name]).join('\u0000')
    let series = this.byLabels.get(id)
    if (!series) {
      series = new HistogramSeries(this.bounds, { ...labels })
      this.byLabels.set(id, series)
    }
    return series
  }

  /** What Registry.metrics() prints: `_bucket` lines with `le` first, as prom-client's Histogram. */
  async getForPromString() {
    const values: ExportedValue[] = []
    for (const series of this.byLabels.values()) {
      const cumulative = series.cumulative()
      this.upperBounds.forEach((le, i) => values.push({ labels: { le }, sharedLabels: series.labels, value: cumulative[i]!, metricName: `${this.name}_bucket` }))
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** The same values with each line's labels in one object (Registry.getMetricsAsJSON). */
  async get() {
    const data = await this.getForPromString()
    return { ...data, values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...sharedLabels, ...labels }, value, metricName })) }
  }

  reset(): void {
    this.byLabels.clear()
  }
}

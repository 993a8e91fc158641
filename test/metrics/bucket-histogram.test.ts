import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { Histogram, Registry } from 'prom-client'
import { BucketHistogram } from '../../src/metrics/bucket-histogram.ts'

const BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1, 5]

describe('BucketHistogram', () => {
  test('prints exactly what prom-client prints for the same observations', async () => {
    const observation = fc.record({
      method: fc.constantFrom('GET', 'PUT'),
      route: fc.constantFrom('/', '/v1/keys/:key', 'unmatched'),
      // Bounds themselves, values between them, and values above the last.
      seconds: fc.oneof(fc.constantFrom(...BUCKETS), fc.double({ min: 0, max: 10, noNaN: true })),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const theirs = new Registry()
        const ours = new Registry()
        const reference = new Histogram({ name: 'h_seconds', help: 'Help.', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [theirs] })
        const histogram = new BucketHistogram({ name: 'h_seconds', help: 'Help.', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [ours] })
        for (const { method, route, seconds } of observations) {
          reference.labels(method, route).observe(seconds)
          histogram.series({ method, route }).observe(seconds)
        }
        expect(await ours.metrics()).toBe(await theirs.metrics())
      }),
      { numRuns: 200 },
    )
  })

  test('a series is found again by its labels, and counts into its own buckets', async () => {
    const registry = new Registry()
    const histogram = new BucketHistogram({ name: 'd', help: 'D.', labelNames: ['route'], buckets: [1, 2], registers: [registry] })
    histogram.series({ route: 'a' }).observe(1)
    histogram.series({ route: 'a' }).observe(1.5)
    histogram.series({ route: 'b' }).observe(3)
    const text = await registry.metrics()
    expect(text).toContain('d_bucket{le="1",route="a"} 1\nd_bucket{le="2",route="a"} 2\nd_bucket{le="+Inf",route="a"} 2\nd_sum{route="a"} 2.5\nd_count{route="a"} 2')
    expect(text).toContain('d_bucket{le="2",route="b"} 0\nd_bucket{le="+Inf",route="b"} 1')
    const json = await registry.getMetricsAsJSON()
    expect(json[0]!.values as unknown[]).toContainEqual({ labels: { route: 'b', le: '+Inf' }, value: 1, metricName: 'd_bucket' })
    registry.resetMetrics()
    expect(await registry.metrics()).not.toContain('d_count')
  })
})

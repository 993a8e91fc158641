import { expect, test } from 'bun:test'
import { promqlMetricNames } from './promql-names.ts'

test('metric names are found in an expression; functions, labels, strings, ranges and keywords are not', () => {
  expect(promqlMetricNames('up{job="redis-proxy"} == 0')).toEqual(['up'])
  expect(promqlMetricNames('histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route=~"/v1.*",x="b_total"}[5m])))')).toEqual(['a_seconds_bucket'])
  expect(promqlMetricNames('sum(rate(x_total[1m] offset 1h30m)) / on (instance) group_left(version) y_info > bool 1e3 unless z')).toEqual(['x_total', 'y_info', 'z'])
  expect(promqlMetricNames('max(m1) > m2 and m3 or vector(1)')).toEqual(['m1', 'm2', 'm3'])
})

import { expect, test } from 'bun:test'
import { parseExposition } from './exposition.ts'

test('the format reader accepts well-formed text and refuses what Prometheus would', () => {
  const good = '# HELP a_total Things.\n# TYPE a_total counter\na_total{x="q\\"uote",y="n\\\\l"} 3\n\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n# TYPE g gauge\ng Nan\n'
  expect(parseExposition(good).samples.get('a_total{x="q\\"uote",y="n\\\\l"}')).toBe(3)
  for (const bad of ['a_total 1', '# TYPE a counter\na{x="unclosed} 1', '# TYPE a counter\na 1 2 3', '# TYPE a counter\na one', '# TYPE a counter\na 1\na 2', '# TYPE 1a counter']) {
    expect(() => parseExposition(bad)).toThrow()
  }
})

import { expect, test } from 'bun:test'
import { TrafficHistory } from '../../src/metrics/traffic-history.ts'

test('counts requests per whole second, oldest first, and forgets what left the window', () => {
  let now = 1_000_000_500
  const history = new TrafficHistory(4, () => now)
  history.record()
  history.record()
  now += 1000
  history.record()
  now += 2000
  expect(history.recent()).toEqual([0, 2, 1, 0])
  now += 3000 // the seconds recorded above are now out of the 4-second window
  history.record()
  now += 1000
  expect(history.recent()).toEqual([0, 0, 0, 1])
})

import { expect, test } from 'bun:test'
import { createRestartPolicy } from '../../src/server/restart-policy.ts'

test('restarts after doubling delays, and gives up at the fifth death within 30 s', () => {
  let now = 0
  const policy = createRestartPolicy({ now: () => now })
  const decisions = []
  for (let i = 0; i < 5; i++) {
    decisions.push(policy.failed())
    now += 1000
  }
  expect(decisions).toEqual([
    { restart: true, delayMs: 100 },
    { restart: true, delayMs: 200 },
    { restart: true, delayMs: 400 },
    { restart: true, delayMs: 800 },
    { restart: false, failures: 5, windowMs: 30_000 },
  ])
})

test('deaths older than the window are forgotten: slow deaths restart for ever, at the first delay again', () => {
  let now = 0
  const policy = createRestartPolicy({ now: () => now })
  for (let i = 0; i < 20; i++) {
    expect(policy.failed()).toEqual({ restart: true, delayMs: i === 0 ? 100 : 200 })
    now += 16_000
  }
})

test('the delay is capped', () => {
  let now = 0
  const policy = createRestartPolicy({ now: () => now, maxFailures: 100, baseDelayMs: 100, maxDelayMs: 1000 })
  const delays = Array.from({ length: 8 }, () => {
    now += 1
    const decision = policy.failed()
    return decision.restart ? decision.delayMs : -1
  })
  expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000])
})

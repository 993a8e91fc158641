import { describe, expect, test } from 'bun:test'
import { Deadlines } from '../../../src/cache/tiers/deadlines.ts'

const never = () => new Promise<never>(() => {})
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))
const timedOut = () => new Error('timed out')
const rejectionOf = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a rejection'),
    (error: Error) => error,
  )

describe('Deadlines', () => {
  test('a call that settles in time passes its value or its error through', async () => {
    const deadlines = new Deadlines(100)
    expect(await deadlines.within(after(5, 'v'), timedOut)).toBe('v')
    expect((await rejectionOf(deadlines.within(Promise.reject(new Error('own')), timedOut))).message).toContain('own')
    expect(deadlines.size).toBe(0)
  })

  test('a call that does not settle is rejected with its timeout error, within the budget plus a tick', async () => {
    const deadlines = new Deadlines(60)
    const started = performance.now()
    expect((await rejectionOf(deadlines.within(never(), timedOut))).message).toContain('timed out')
    const waited = performance.now() - started
    expect(waited).toBeGreaterThanOrEqual(59)
    expect(waited).toBeLessThan(60 + deadlines.tickMs + 200) // generous: a loaded machine delays timers
    expect(deadlines.size).toBe(0)
  })

  test('a late answer after the timeout changes nothing', async () => {
    const deadlines = new Deadlines(20)
    const outcome = deadlines.within(after(80, 'late'), timedOut).then(
      (value) => `resolved ${value}`,
      (error: Error) => `rejected ${error.message}`,
    )
    expect(await outcome).toBe('rejected timed out')
    await Bun.sleep(100)
    expect(await outcome).toBe('rejected timed out')
  })

  test('calls expire in the order they started; those in time are untouched', async () => {
    const deadlines = new Deadlines(50)
    const events: string[] = []
    const first = deadlines.within(never(), () => new Error('first')).catch((error: Error) => events.push(error.message))
    await Bun.sleep(30)
    const second = deadlines.within(never(), () => new Error('second')).catch((error: Error) => events.push(error.message))
    const quick = deadlines.within(after(10, 'quick'), timedOut).then((value) => events.push(value))
    await Promise.all([first, second, quick])
    expect(events).toEqual(['quick', 'first', 'second'])
  })

  test('no timer is left running once nothing is pending (the process can exit)', async () => {
    const deadlines = new Deadlines(10)
    await deadlines.within(after(1, 'v'), timedOut)
    await Bun.sleep(40)
    expect((deadlines as unknown as { timer: unknown }).timer).toBeUndefined()
  })
})

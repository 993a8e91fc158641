import { describe, expect, test } from 'bun:test'
import { Deadlines } from '../../../src/cache/tiers/deadlines.ts'
import { ManualClock } from '../../harness/manual-clock.ts'

const never = () => new Promise<never>(() => {})
const timedOut = () => new Error('timed out')
/** A promise the test settles by hand. */
function pending<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => (resolve = settle))
  return { promise, resolve }
}
/** Lets settled promises run their callbacks. */
const flush = () => new Promise((resolve) => setImmediate(resolve))
/** What a promise has come to so far: settled now, or still pending. */
function track<T>(promise: Promise<T>) {
  const state: { outcome?: string } = {}
  promise.then(
    (value) => (state.outcome = `resolved ${String(value)}`),
    (error: Error) => (state.outcome = `rejected ${error.message}`),
  )
  return state
}

describe('Deadlines', () => {
  test('a call that settles in time passes its value or its error through, and leaves nothing pending', async () => {
    const deadlines = new Deadlines(100, new ManualClock())
    expect(await deadlines.within(Promise.resolve('v'), timedOut)).toBe('v')
    const failed = track(deadlines.within(Promise.reject(new Error('own')), timedOut))
    await flush()
    expect(failed.outcome).toBe('rejected own')
    expect(deadlines.size).toBe(0)
  })

  test('a call that does not settle is rejected with its timeout error once its budget has passed, not before', async () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(60, clock)
    const call = track(deadlines.within(never(), timedOut))
    clock.advance(59)
    await flush()
    expect(call.outcome).toBeUndefined()
    clock.advance(deadlines.tickMs)
    await flush()
    expect(call.outcome).toBe('rejected timed out')
    expect(deadlines.size).toBe(0)
  })

  test('a late answer after the timeout changes nothing', async () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(20, clock)
    const late = pending<string>()
    const call = track(deadlines.within(late.promise, timedOut))
    clock.advance(20 + deadlines.tickMs)
    await flush()
    late.resolve('late')
    await flush()
    expect(call.outcome).toBe('rejected timed out')
  })

  test('calls expire in the order they started; those in time are untouched', async () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(50, clock)
    const events: string[] = []
    const first = deadlines.within(never(), () => new Error('first')).catch((error: Error) => events.push(error.message))
    clock.advance(30)
    const second = deadlines.within(never(), () => new Error('second')).catch((error: Error) => events.push(error.message))
    const quick = pending<string>()
    const answered = deadlines.within(quick.promise, timedOut).then((value) => events.push(value))
    clock.advance(10)
    quick.resolve('quick')
    await answered
    clock.advance(10 + deadlines.tickMs)
    await first
    expect(events).toEqual(['quick', 'first'])
    clock.advance(30)
    await second
    expect(events).toEqual(['quick', 'first', 'second'])
  })

  test('the timer runs only while calls are pending (an idle process can exit)', async () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(10, clock)
    expect(deadlines.ticking).toBe(false)
    const call = pending<string>()
    const answered = deadlines.within(call.promise, timedOut)
    expect(deadlines.ticking).toBe(true)
    call.resolve('v')
    await answered
    clock.advance(deadlines.tickMs)
    expect(deadlines.ticking).toBe(false)
    expect(clock.running).toBe(0)
  })
})

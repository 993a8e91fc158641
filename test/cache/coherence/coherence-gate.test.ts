import { describe, expect, test } from 'bun:test'
import { CoherenceGate } from '../../../src/cache/coherence/coherence-gate.ts'

/** A clock the test moves by hand. */
function clock(start = 1000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const forgetNothing = () => Promise.resolve()

describe('CoherenceGate suspension', () => {
  test('open at first; a suspended member closes it until it resumes, and resuming forgets the local tier first', async () => {
    const gate = new CoherenceGate()
    expect(gate.localSkipReason()).toBeUndefined()
    gate.suspend('a')
    expect(gate.suspended).toBe(true)
    expect(gate.localSkipReason()).toBe('suspended')
    let forgotten = 0
    const opened = await gate.resume('a', async () => {
      expect(gate.suspended).toBe(true) // still closed while forgetting
      forgotten++
    })
    expect(opened).toBe(true)
    expect(forgotten).toBe(1)
    expect(gate.localSkipReason()).toBeUndefined()
  })

  test('stays closed until every member resumes; forgets once, when the last does', async () => {
    const gate = new CoherenceGate()
    gate.suspend('a')
    gate.suspend('b')
    let forgotten = 0
    const forget = async () => void forgotten++
    expect(await gate.resume('a', forget)).toBe(false)
    expect(gate.suspended).toBe(true)
    expect(forgotten).toBe(0)
    expect(await gate.resume('b', forget)).toBe(true)
    expect(forgotten).toBe(1)
    expect(gate.suspended).toBe(false)
  })

  test('a resume while open changes nothing and forgets nothing', async () => {
    const gate = new CoherenceGate()
    let forgotten = 0
    expect(await gate.resume('a', async () => void forgotten++)).toBe(true)
    expect(forgotten).toBe(0)
    expect(gate.suspended).toBe(false)
  })

  test('a suspend during a slow resume wins', async () => {
    const gate = new CoherenceGate()
    gate.suspend('a')
    let finish!: () => void
    const resume = gate.resume('a', () => new Promise<void>((resolve) => (finish = resolve)))
    gate.suspend('b')
    finish()
    expect(await resume).toBe(false)
    expect(gate.suspended).toBe(true)
    expect(await gate.resume('b', forgetNothing)).toBe(true)
  })

  test('a member that leaves no longer holds the gate; the next resume opens it', async () => {
    const gate = new CoherenceGate()
    gate.suspend('node')
    gate.suspend('topology')
    gate.leave('node')
    expect(gate.suspended).toBe(true)
    expect(await gate.resume('topology', forgetNothing)).toBe(true)
  })

  test('whenOpen resolves at once when open, else at the next opening', async () => {
    const gate = new CoherenceGate()
    await gate.whenOpen()
    gate.suspend('a')
    let opened = false
    const waiting = gate.whenOpen().then(() => (opened = true))
    await Promise.resolve()
    expect(opened).toBe(false)
    await gate.resume('a', forgetNothing)
    await waiting
    expect(opened).toBe(true)
  })

  test('every suspend and flush-all moves the epoch; a resume too', async () => {
    const gate = new CoherenceGate()
    const start = gate.epoch
    gate.suspend('a')
    expect(gate.epoch).toBeGreaterThan(start)
    const suspended = gate.epoch
    gate.invalidateAll()
    expect(gate.epoch).toBeGreaterThan(suspended)
    const flushed = gate.epoch
    await gate.resume('a', forgetNothing)
    expect(gate.epoch).toBeGreaterThan(flushed)
  })
})

describe('CoherenceGate fills', () => {
  test('a read may fill while nothing overtook it', () => {
    const gate = new CoherenceGate()
    const stamp = gate.beginRead('k')
    expect(gate.mayFill('k', stamp)).toBe(true)
    gate.end('k')
    expect(gate.mayFill('k', stamp)).toBe(false) // ended: nothing in flight to fill
  })

  test('a write, an invalidation of the key, a flush-all or a suspend overtakes a read in flight', () => {
    const overtakers: [string, (gate: CoherenceGate) => void][] = [
      ['write', (gate) => void gate.beginWrite('k')],
      ['invalidate', (gate) => gate.invalidate('k')],
      ['invalidateAll', (gate) => gate.invalidateAll()],
      ['suspend', (gate) => gate.suspend('a')],
    ]
    for (const [name, overtake] of overtakers) {
      const gate = new CoherenceGate()
      const stamp = gate.beginRead('k')
      overtake(gate)
      expect([name, gate.mayFill('k', stamp)]).toEqual([name, false])
    }
  })

  test('an invalidation of another key does not overtake', () => {
    const gate = new CoherenceGate()
    const stamp = gate.beginRead('k')
    gate.invalidate('other')
    gate.beginWrite('other')
    expect(gate.mayFill('k', stamp)).toBe(true)
  })

  test('a later write overtakes an earlier one; the later one may fill', () => {
    const gate = new CoherenceGate()
    const first = gate.beginWrite('k')
    const second = gate.beginWrite('k')
    expect(gate.mayFill('k', first)).toBe(false)
    expect(gate.mayFill('k', second)).toBe(true)
  })

  test('a suspend overtakes reads in flight for good, even after the gate opens again', async () => {
    const gate = new CoherenceGate()
    const stamp = gate.beginRead('k')
    gate.suspend('a')
    await gate.resume('a', forgetNothing)
    expect(gate.suspended).toBe(false)
    expect(gate.mayFill('k', stamp)).toBe(false)
    gate.end('k')
    expect(gate.mayFill('k', gate.beginRead('k'))).toBe(true)
  })

  test('reads sharing a key share its stamp: one ending leaves the others able to fill, and a later read does not overtake a write', () => {
    const gate = new CoherenceGate()
    gate.beginWrite('other')
    gate.end('other')
    const write = gate.beginWrite('k')
    const first = gate.beginRead('k')
    const second = gate.beginRead('k')
    expect([first, second]).toEqual([write, write])
    gate.end('k')
    expect(gate.mayFill('k', write)).toBe(true)
    gate.end('k')
    expect(gate.mayFill('k', write)).toBe(true)
    gate.end('k')
    expect(gate.pendingOperations).toBe(0)
  })

  test('an invalidated stamp never becomes current again by a later write', () => {
    const gate = new CoherenceGate()
    const read = gate.beginRead('k')
    gate.invalidate('k')
    gate.beginWrite('k')
    expect(gate.mayFill('k', read)).toBe(false)
  })

  test('nothing fills while suspended', () => {
    const gate = new CoherenceGate()
    gate.suspend('a')
    expect(gate.mayFill('k', gate.beginRead('k'))).toBe(false)
  })
})

describe('CoherenceGate heartbeats', () => {
  test('by default on the monotonic clock', async () => {
    const gate = new CoherenceGate({ maxStalenessMs: 1 })
    gate.heartbeatAnswered('a', performance.now())
    await Bun.sleep(5)
    expect(gate.localSkipReason()).toBe('stale')
    expect(gate.heartbeatAgeMs()!).toBeGreaterThanOrEqual(4)
  })


  test('without heartbeating members, copies are served at any age', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    time.advance(1_000_000)
    expect(gate.localSkipReason()).toBeUndefined()
    expect(gate.heartbeatAgeMs()).toBeUndefined()
  })

  test('copies are served while the newest answered heartbeat was sent within the bound, and skipped after', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', time.now())
    time.advance(100)
    expect(gate.localSkipReason()).toBeUndefined()
    expect(gate.heartbeatAgeMs()).toBe(100)
    time.advance(1)
    expect(gate.localSkipReason()).toBe('stale')
    gate.heartbeatAnswered('a', time.now() - 10)
    expect(gate.localSkipReason()).toBeUndefined()
    expect(gate.heartbeatAgeMs()).toBe(10)
  })

  test('an older answer never moves the proof back', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', 1000)
    gate.heartbeatAnswered('a', 900)
    expect(gate.memberHeartbeatAgeMs('a')).toBe(0)
    time.advance(100)
    expect(gate.localSkipReason()).toBeUndefined()
  })

  test('the oldest member decides (per master on a Cluster)', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', 1000)
    time.advance(80)
    gate.heartbeatAnswered('b', time.now())
    time.advance(30)
    expect(gate.localSkipReason()).toBe('stale')
    expect(gate.heartbeatAgeMs()).toBe(110)
    expect(gate.memberHeartbeatAgeMs('b')).toBe(30)
    gate.stopHeartbeats('a')
    expect(gate.localSkipReason()).toBeUndefined()
    expect(gate.heartbeatAgeMs()).toBe(30)
  })

  test('a member that leaves stops counting; the last one leaving lifts the bound', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', 1000)
    time.advance(500)
    expect(gate.localSkipReason()).toBe('stale')
    gate.leave('a')
    expect(gate.localSkipReason()).toBeUndefined()
    expect(gate.memberHeartbeatAgeMs('a')).toBeUndefined()
  })

  test('suspended takes precedence over stale', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', 1000)
    time.advance(500)
    gate.suspend('a')
    expect(gate.localSkipReason()).toBe('suspended')
  })

  test('stale does not stop fills: the copy is only served once the stream is proven current', () => {
    const time = clock()
    const gate = new CoherenceGate({ maxStalenessMs: 100, now: time.now })
    gate.heartbeatAnswered('a', 1000)
    time.advance(500)
    expect(gate.mayFill('k', gate.beginRead('k'))).toBe(true)
  })
})

import { describe, expect, test } from 'bun:test'
import { CoherenceGate } from '../../../src/cache/coherence/coherence-gate.ts'
import { Heartbeat } from '../../../src/cache/coherence/heartbeat.ts'
import { eventually } from '../../harness/wait-for.ts'

/** A PING the test answers (or not) when it likes, on a gate clock it sets. */
function beating({ tracking = true, lostAfterMs = 1000 }: { tracking?: boolean; lostAfterMs?: number } = {}) {
  let now = 1000
  const gate = new CoherenceGate({ maxStalenessMs: 100, now: () => now })
  const pings: { resolve: () => void; reject: (error: Error) => void }[] = []
  const roundTrips: number[] = []
  let lost = 0
  let isTracking = tracking
  const heartbeat = new Heartbeat({
    subscriber: { ping: () => new Promise<'PONG'>((resolve, reject) => pings.push({ resolve: () => resolve('PONG'), reject })) },
    gate,
    member: 'listener',
    intervalMs: 2,
    lostAfterMs,
    isTracking: () => isTracking,
    onAnswer: (ms) => roundTrips.push(ms),
    onLost: () => lost++,
  })
  return {
    gate,
    heartbeat,
    pings,
    roundTrips,
    lost: () => lost,
    setNow: (ms: number) => (now = ms),
    setTracking: (value: boolean) => (isTracking = value),
  }
}

describe('Heartbeat', () => {
  test('one PING at a time; its answer credits the gate with the time it was sent, and reports the round trip', async () => {
    const h = beating()
    h.heartbeat.start()
    try {
      await eventually(() => h.pings.length === 1, 'a first PING')
      await Bun.sleep(20)
      expect(h.pings).toHaveLength(1)
      h.setNow(1030)
      h.pings[0]!.resolve()
      await eventually(() => h.roundTrips.length === 1, 'the answer')
      expect(h.roundTrips).toEqual([30])
      expect(h.gate.memberHeartbeatAgeMs('listener')).toBe(30)
      await eventually(() => h.pings.length === 2, 'the next PING after the answer')
    } finally {
      h.heartbeat.stop()
    }
  })

  test('no PING while the stream is not set up, none after stop', async () => {
    const h = beating({ tracking: false })
    h.heartbeat.start()
    await Bun.sleep(20)
    expect(h.pings).toHaveLength(0)
    h.setTracking(true)
    await eventually(() => h.pings.length === 1, 'a PING once tracking')
    h.heartbeat.stop()
    h.pings[0]!.resolve()
    await Bun.sleep(20)
    expect(h.pings).toHaveLength(1)
  })

  test('a PING that fails lets the next one go', async () => {
    const h = beating()
    h.heartbeat.start()
    try {
      await eventually(() => h.pings.length === 1, 'a first PING')
      h.pings[0]!.reject(new Error('Command timed out'))
      await eventually(() => h.pings.length === 2, 'another PING')
      expect(h.roundTrips).toEqual([])
      expect(h.gate.memberHeartbeatAgeMs('listener')).toBeUndefined()
    } finally {
      h.heartbeat.stop()
    }
  })

  test('silent for longer than lostAfterMs: reported lost once, until a heartbeat is answered again', async () => {
    const h = beating({ lostAfterMs: 500 })
    h.heartbeat.start()
    try {
      await eventually(() => h.pings.length === 1, 'a first PING')
      h.pings[0]!.resolve()
      await eventually(() => h.pings.length === 2, 'a second PING')
      h.setNow(1000 + 500)
      await Bun.sleep(20)
      expect(h.lost()).toBe(0)
      h.setNow(1000 + 501)
      await eventually(() => h.lost() === 1, 'lost')
      await Bun.sleep(20)
      expect(h.lost()).toBe(1)
      // The PING outstanding all along is answered: still too old, so lost is reported again.
      h.setNow(1600)
      h.pings[1]!.resolve()
      await eventually(() => h.lost() === 2, 'lost again')
      expect(h.roundTrips).toEqual([0, 600])
    } finally {
      h.heartbeat.stop()
    }
  })

  test('beatNow sends one PING and waits for it; it rejects when the PING does', async () => {
    const h = beating()
    const beat = h.heartbeat.beatNow()
    h.setNow(1007)
    h.pings[0]!.resolve()
    await beat
    expect(h.roundTrips).toEqual([7])
    const failed = h.heartbeat.beatNow()
    h.pings[1]!.reject(new Error('Connection is closed.'))
    let error: unknown
    await failed.catch((caught: unknown) => (error = caught))
    expect(error).toBeInstanceOf(Error)
  })
})

import { afterEach, describe, expect, spyOn, test } from 'bun:test'
import { ReplyError } from 'ioredis'
import { CoherenceGate } from '../../../src/cache/coherence/coherence-gate.ts'
import { Heartbeat } from '../../../src/cache/coherence/heartbeat.ts'
import { InvalidationListener } from '../../../src/cache/coherence/invalidation-listener.ts'
import { manualIntervals } from '../../harness/manual-intervals.ts'
import { recordingLogger } from '../../harness/recording-logger.ts'
import { infoServer, ScriptedRedis, settled } from '../../harness/scripted-redis.ts'

/**
 * The listener's steps, one answer at a time, on scripted connections: drops, closes, timeouts and
 * refusals land between any two awaits of an attempt, in orders real connections rarely produce.
 */

const SERVER = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'
/** Differs from SERVER only at the end: a run_id matched on its first characters would take them for one. */
const OTHER_SERVER = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd4'
const CHANNEL = '__redis__:invalidate'
const TRACKING_ON = ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '7', 'BCAST', 'NOLOOP']
const COHERENT = 'local tier kept coherent by redis invalidations'
const SUSPENDED = 'local tier suspended until invalidations flow again'
const REFUSED = 'redis refuses client tracking: local copies are only bounded by their TTL'

type Connection = 'data' | 'subscriber'

/** The answers of an attempt that succeeds, in the order the listener awaits them (CLIENT ID and INFO go out together). */
const STEPS: { on: Connection; command: string; answer: unknown }[] = [
  { on: 'subscriber', command: 'client', answer: 7 },
  { on: 'subscriber', command: 'info', answer: infoServer(SERVER) },
  { on: 'subscriber', command: 'subscribe', answer: 1 },
  { on: 'data', command: 'info', answer: infoServer(SERVER) },
  { on: 'data', command: 'call', answer: 'OK' },
  { on: 'subscriber', command: 'ping', answer: 'PONG' },
]

function scripted({ heartbeatIntervalMs = 60_000 }: { heartbeatIntervalMs?: number } = {}) {
  let now = 0
  const gate = new CoherenceGate({ maxStalenessMs: 1000, now: () => now })
  const connections = { data: new ScriptedRedis(), subscriber: new ScriptedRedis() }
  const told = { keys: [] as string[], flushes: 0, forgets: 0 }
  const cache = {
    invalidate: async (key: string) => void told.keys.push(key),
    invalidateAll: async () => void told.flushes++,
    forgetLocal: async () => void told.forgets++,
  }
  const logger = recordingLogger()
  const listener = new InvalidationListener({
    data: connections.data.asRedis,
    subscriber: connections.subscriber.asRedis,
    cache,
    gate,
    logger,
    heartbeatIntervalMs,
    heartbeatLostAfterMs: 100,
  })
  return {
    ...connections,
    gate,
    told,
    listener,
    lines: logger.lines,
    messages: (level: string) => logger.lines.filter((line) => line.level === level).map((line) => line.message),
    setNow: (ms: number) => (now = ms),
    /** Every command sent on either connection. */
    sentCount: () => connections.data.calls.length + connections.subscriber.calls.length,
    async answer(steps = STEPS) {
      for (const step of steps) await connections[step.on].answer(step.command, step.answer)
    },
    /**
     * Answers the steps from `from` on for as long as the listener sends them. A step on a dropped
     * connection fails as ioredis fails a command on a closed connection.
     */
    async answerWhatIsSent(from: number, dropped?: Connection) {
      for (const step of STEPS.slice(from)) {
        await settled()
        const call = connections[step.on].pending(step.command)
        if (!call) return
        if (step.on === dropped) call.reject(new Error('Connection is closed.'))
        else call.resolve(step.answer)
      }
      await settled()
    },
  }
}

type Scripted = ReturnType<typeof scripted>

/**
 * Commands an attempt sends when a connection drops (or the listener closes) while step `at` is pending:
 * none after that step, except that CLIENT ID and INFO go out together, and SUBSCRIBE follows them
 * unchecked unless they failed (subscribing a connection that is about to go harms nothing).
 */
function sentAfterDropAt(at: number, what: string): number {
  if (at > 1) return at + 1
  return what === 'subscriber dropped' ? 2 : 3
}

async function tracking(s: Scripted): Promise<void> {
  s.listener.start()
  await s.answer()
  await s.listener.decided
  expect(s.listener.state).toBe('tracking')
}

const spies: { mockRestore(): void }[] = []
afterEach(() => {
  for (const spy of spies.splice(0)) spy.mockRestore()
})

describe('InvalidationListener, step by step', () => {
  test('CLIENT ID and INFO on the subscriber before SUBSCRIBE, then INFO and CLIENT TRACKING on data, then a heartbeat, then local copies', async () => {
    const s = scripted()
    expect(s.gate.suspended).toBe(false)
    s.listener.start()
    expect(s.gate.suspended).toBe(true)
    await settled()
    expect(s.subscriber.calls.map((call) => [call.command, ...call.args])).toEqual([
      ['client', 'ID'],
      ['info', 'server'],
    ])
    expect(s.data.calls).toHaveLength(0)
    await s.answer(STEPS.slice(0, 2))
    await settled()
    expect(s.subscriber.sent('subscribe').map((call) => call.args)).toEqual([[CHANNEL]])
    expect(s.data.calls).toHaveLength(0)
    await s.answer(STEPS.slice(2, 3))
    await settled()
    expect(s.data.calls.map((call) => [call.command, ...call.args])).toEqual([['info', 'server']])
    await s.answer(STEPS.slice(3, 4))
    await settled()
    expect(s.data.sent('call').map((call) => call.args)).toEqual([TRACKING_ON])
    await s.answer(STEPS.slice(4, 5))
    await settled()
    expect(s.subscriber.sent('ping')).toHaveLength(1)
    expect(s.listener.state).toBe('connecting')
    expect(s.gate.suspended).toBe(true)
    s.setNow(40)
    await s.answer(STEPS.slice(5))
    await s.listener.decided
    expect(s.listener.state).toBe('tracking')
    expect(s.gate.suspended).toBe(false)
    expect(s.told.forgets).toBe(1)
    // Credited with the time the PING was sent, not answered.
    expect(s.gate.memberHeartbeatAgeMs(s.listener)).toBe(40)
    expect(s.messages('info')).toEqual([COHERENT])
    expect(s.subscriber.disconnects).toEqual([])
  })

  test('without heartbeats, tracking follows CLIENT TRACKING with no PING', async () => {
    const s = scripted({ heartbeatIntervalMs: 0 })
    s.listener.start()
    await s.answer(STEPS.slice(0, 5))
    await s.listener.decided
    expect(s.listener.state).toBe('tracking')
    expect(s.subscriber.sent('ping')).toHaveLength(0)
    expect(s.gate.heartbeatAgeMs()).toBeUndefined()
  })

  for (const what of ['data dropped', 'subscriber dropped', 'closed'] as const) {
    for (const [at, step] of STEPS.entries()) {
      test(`${what} while ${step.on} ${step.command} is pending: the attempt sends nothing more and the gate stays suspended`, async () => {
        const s = scripted()
        s.listener.start()
        await s.answer(STEPS.slice(0, at))
        await s[step.on].next(step.command)
        let closing: Promise<void> | undefined
        if (what === 'closed') closing = s.listener.close()
        else s[what === 'data dropped' ? 'data' : 'subscriber'].emit('close')
        await s.answerWhatIsSent(at, what === 'data dropped' ? 'data' : what === 'subscriber dropped' ? 'subscriber' : undefined)
        await closing
        expect(s.sentCount()).toBe(sentAfterDropAt(at, what))
        expect(s.listener.state).toBe(what === 'closed' ? 'closed' : 'connecting')
        expect(s.gate.suspended).toBe(true)
        expect(s.told.forgets).toBe(0)
        expect(s.lines).toEqual([])
        // No reconnect forced: the drop itself, or the close, already let go of the connection.
        expect(s.subscriber.disconnects).toEqual(what === 'closed' ? ['let go'] : [])
      })
    }
  }

  test('a dropped connection that is ready again starts a new attempt, which tracks', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer(STEPS.slice(0, 3))
    await s.data.next('info')
    s.subscriber.emit('close')
    await s.answerWhatIsSent(3, 'subscriber')
    s.subscriber.emit('ready')
    await s.answer([{ on: 'subscriber', command: 'client', answer: 8 }, ...STEPS.slice(1)])
    await s.listener.decided
    expect(s.data.sent('call').map((call) => call.args[4])).toEqual(['8'])
    expect(s.listener.state).toBe('tracking')
  })

  test('a refusal after a drop is no verdict (the redirect named a subscriber that is gone): the next attempt tracks', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer(STEPS.slice(0, 4))
    await s.data.next('call')
    s.subscriber.emit('close')
    await s.data.fail('call', new ReplyError('ERR The client ID you want redirect to does not exist'))
    await settled()
    expect(s.listener.state).toBe('connecting')
    expect(s.lines).toEqual([])
    s.subscriber.emit('ready')
    await s.answer([{ on: 'subscriber', command: 'client', answer: 8 }, ...STEPS.slice(1)])
    await s.listener.decided
    expect(s.listener.state).toBe('tracking')
  })

  test('a redirect to a subscriber gone without its close seen yet (CLIENT KILL) is no refusal either: the subscriber is reconnected', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer(STEPS.slice(0, 4))
    await s.data.fail('call', new ReplyError('ERR The client ID you want redirect to does not exist'))
    await settled()
    expect(s.listener.state).toBe('connecting')
    expect(s.subscriber.disconnects).toEqual(['reconnect'])
    expect(s.gate.suspended).toBe(true)
    expect(s.lines).toEqual([])
  })

  for (const [at, step] of STEPS.entries()) {
    test(`${step.on} ${step.command} times out: the subscriber is reconnected, nothing more is sent, still connecting`, async () => {
      const s = scripted()
      s.listener.start()
      await s.answer(STEPS.slice(0, at))
      await s[step.on].fail(step.command, new Error('Command timed out'))
      await s.answerWhatIsSent(at + 1)
      expect(s.subscriber.disconnects).toEqual(['reconnect'])
      expect(s.sentCount()).toBe(Math.max(at, 1) + 1)
      expect(s.listener.state).toBe('connecting')
      expect(s.gate.suspended).toBe(true)
      expect(s.lines).toEqual([])
    })
  }

  test('a failure that is not an Error is not a refusal, whatever its name', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer(STEPS.slice(0, 4))
    await s.data.fail('call', { name: 'ReplyError', message: 'ERR' })
    await settled()
    expect(s.listener.state).toBe('connecting')
    expect(s.subscriber.disconnects).toEqual(['reconnect'])
  })

  test('the data connection on another server than the subscriber: the subscriber reconnects, no tracking', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer(STEPS.slice(0, 3))
    await s.data.answer('info', infoServer(OTHER_SERVER))
    await settled()
    expect(s.subscriber.disconnects).toEqual(['reconnect'])
    expect(s.data.sent('call')).toHaveLength(0)
    expect(s.listener.state).toBe('connecting')
    expect(s.gate.suspended).toBe(true)
  })

  test('INFO refused on both connections (an ACL): the server check is skipped and tracking starts', async () => {
    const s = scripted()
    s.listener.start()
    await s.subscriber.answer('client', 7)
    await s.subscriber.fail('info', new ReplyError("NOPERM this user has no permissions to run the 'info' command"))
    await s.subscriber.answer('subscribe', 1)
    await s.data.fail('info', new ReplyError("NOPERM this user has no permissions to run the 'info' command"))
    await s.answer(STEPS.slice(4))
    await s.listener.decided
    expect(s.data.sent('call').map((call) => call.args)).toEqual([TRACKING_ON])
    expect(s.listener.state).toBe('tracking')
    expect(s.subscriber.disconnects).toEqual([])
  })

  test('an INFO with no run_id on either connection: the check is skipped', async () => {
    const s = scripted()
    s.listener.start()
    await s.answer([STEPS[0]!, { on: 'subscriber', command: 'info', answer: '# Server\r\nredis_version:7.2.4\r\n' }, STEPS[2]!])
    await s.answer([{ on: 'data', command: 'info', answer: '# Server\r\nredis_version:7.2.4\r\n' }, ...STEPS.slice(4)])
    await s.listener.decided
    expect(s.listener.state).toBe('tracking')
  })

  test('CLIENT TRACKING refused: one warning with Redis’s words, the subscriber let go, heartbeats stopped, local copies served', async () => {
    const stops = spyOn(Heartbeat.prototype, 'stop')
    spies.push(stops)
    const s = scripted()
    await tracking(s)
    expect(s.gate.heartbeatAgeMs()).toBe(0)
    s.data.emit('close')
    s.data.emit('ready')
    await s.data.answer('info', infoServer(SERVER))
    await s.data.fail('call', new ReplyError('ERR unknown command'))
    await settled()
    expect(s.listener.state).toBe('refused')
    expect(s.lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', message: SUSPENDED, fields: { connection: 'data' } },
      { level: 'warn', message: REFUSED, fields: { error: 'ERR unknown command' } },
    ])
    expect(s.subscriber.disconnects).toEqual(['let go'])
    expect(stops).toHaveBeenCalledTimes(1)
    expect(s.gate.heartbeatAgeMs()).toBeUndefined()
    expect(s.gate.suspended).toBe(false)
    expect(s.told.forgets).toBe(2)
    // Refused is final: a connection ready again sends nothing.
    const sent = s.sentCount()
    s.data.emit('ready')
    s.subscriber.emit('ready')
    await settled()
    expect(s.sentCount()).toBe(sent)
  })

  test('refused at the first attempt, without heartbeats: decided resolves, the gate opens', async () => {
    const s = scripted({ heartbeatIntervalMs: 0 })
    s.listener.start()
    await s.answer(STEPS.slice(0, 4))
    await s.data.fail('call', new ReplyError('ERR unknown command'))
    await s.listener.decided
    expect(s.listener.state).toBe('refused')
    expect(s.gate.suspended).toBe(false)
    expect(s.told.forgets).toBe(1)
  })

  for (const notReady of ['data', 'subscriber'] as const) {
    test(`${notReady} not ready: nothing is sent until it is`, async () => {
      const s = scripted()
      s[notReady].status = 'connecting'
      s.listener.start()
      await settled()
      expect(s.sentCount()).toBe(0)
      s[notReady].status = 'ready'
      s[notReady].emit('ready')
      await s.answer()
      await s.listener.decided
      expect(s.listener.state).toBe('tracking')
    })
  }

  test('tracking: a connection ready again sends nothing', async () => {
    const s = scripted()
    await tracking(s)
    const sent = s.sentCount()
    s.data.emit('ready')
    s.subscriber.emit('ready')
    await settled()
    expect(s.sentCount()).toBe(sent)
  })

  test('the data connection reconnects: tracking is switched on again for the same subscriber, with no new CLIENT ID', async () => {
    const s = scripted()
    await tracking(s)
    const epoch = s.gate.epoch
    s.data.emit('close')
    expect(s.listener.state).toBe('connecting')
    expect(s.gate.suspended).toBe(true)
    expect(s.gate.epoch).toBe(epoch + 1)
    s.data.emit('ready')
    await s.answer(STEPS.slice(3))
    await settled()
    expect(s.listener.state).toBe('tracking')
    expect(s.subscriber.sent('client')).toHaveLength(1)
    expect(s.data.sent('call').map((call) => call.args)).toEqual([TRACKING_ON, TRACKING_ON])
    expect(s.told.forgets).toBe(2)
    expect(s.lines.filter((line) => line.level === 'warn')).toEqual([{ level: 'warn', message: SUSPENDED, fields: { connection: 'data' } }])
  })

  test('the subscriber reconnects: its new id is the redirect', async () => {
    const s = scripted()
    await tracking(s)
    s.subscriber.emit('close')
    expect(s.lines.filter((line) => line.level === 'warn')).toEqual([{ level: 'warn', message: SUSPENDED, fields: { connection: 'subscriber' } }])
    s.subscriber.emit('ready')
    await s.answer([{ on: 'subscriber', command: 'client', answer: 9 }, ...STEPS.slice(1)])
    await settled()
    expect(s.listener.state).toBe('tracking')
    expect(s.data.sent('call').map((call) => call.args[4])).toEqual(['7', '9'])
  })

  test('both connections dropped at once: one warning, one suspension', async () => {
    const s = scripted()
    await tracking(s)
    const epoch = s.gate.epoch
    s.data.emit('close')
    s.subscriber.emit('close')
    expect(s.messages('warn')).toEqual([SUSPENDED])
    expect(s.gate.epoch).toBe(epoch + 1)
  })

  test('a drop before tracking is on: no warning, no second suspension', async () => {
    const s = scripted()
    s.listener.start()
    const epoch = s.gate.epoch
    s.data.emit('close')
    expect(s.lines).toEqual([])
    expect(s.gate.epoch).toBe(epoch)
  })

  test('close: the subscriber let go, heartbeats stopped, the attempt in flight awaited', async () => {
    const stops = spyOn(Heartbeat.prototype, 'stop')
    spies.push(stops)
    const s = scripted()
    s.listener.start()
    await s.subscriber.next('client')
    let closed = false
    const closing = s.listener.close().then(() => (closed = true))
    await settled()
    expect(closed).toBe(false)
    expect(s.subscriber.disconnects).toEqual(['let go'])
    expect(stops).toHaveBeenCalledTimes(1)
    await s.answerWhatIsSent(0)
    await closing
    expect(s.listener.state).toBe('closed')
    // Closed is final: a connection ready again sends nothing.
    const sent = s.sentCount()
    s.data.emit('ready')
    await settled()
    expect(s.sentCount()).toBe(sent)
  })

  test('heartbeat lost while tracking: the subscriber is reconnected; not while connecting', async () => {
    const intervals = manualIntervals()
    spies.push(intervals)
    const s = scripted({ heartbeatIntervalMs: 5 })
    await tracking(s)
    s.data.emit('close')
    s.setNow(500)
    intervals.tick()
    await settled()
    expect(s.subscriber.disconnects).toEqual([])
    expect(s.subscriber.sent('ping')).toHaveLength(1)
    s.data.emit('ready')
    await s.answer(STEPS.slice(3))
    await settled()
    expect(s.listener.state).toBe('tracking')
    s.setNow(600)
    intervals.tick()
    expect(s.subscriber.disconnects).toEqual([])
    s.setNow(601)
    intervals.tick()
    expect(s.subscriber.disconnects).toEqual(['reconnect'])
    expect(s.messages('warn')).toEqual([SUSPENDED, 'invalidation heartbeat lost: reconnecting the subscriber'])
  })

  test('invalidations: each key named on the channel, as a string; null flushes all; anything else, another channel, or after close, ignored', async () => {
    const s = scripted()
    s.listener.start()
    const channel = Buffer.from(CHANNEL)
    // Applied before tracking is on: dropping a copy is always safe.
    s.subscriber.emit('messageBuffer', channel, [Buffer.from('a,b'), Buffer.from('c')])
    expect(s.told.keys).toEqual(['a,b', 'c'])
    s.subscriber.emit('messageBuffer', channel, null)
    expect(s.told.flushes).toBe(1)
    s.subscriber.emit('messageBuffer', channel, Buffer.from('d'))
    s.subscriber.emit('messageBuffer', Buffer.from('__redis__:other'), [Buffer.from('e')])
    s.subscriber.emit('messageBuffer', Buffer.from('__redis__:other'), null)
    expect(s.told).toEqual({ keys: ['a,b', 'c'], flushes: 1, forgets: 0 })
    expect(() => s.subscriber.emit('error', new Error('ECONNREFUSED'))).not.toThrow()
    const closing = s.listener.close()
    s.subscriber.emit('messageBuffer', channel, [Buffer.from('f')])
    s.subscriber.emit('messageBuffer', channel, null)
    expect(s.told).toEqual({ keys: ['a,b', 'c'], flushes: 1, forgets: 0 })
    await s.answerWhatIsSent(0)
    await closing
  })
})

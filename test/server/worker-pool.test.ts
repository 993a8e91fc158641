import { expect, test } from 'bun:test'
import { createLogger } from '../../src/logger.ts'
import { createRestartPolicy } from '../../src/server/restart-policy.ts'
import { runWorkerPool, WORKER_LISTENING, type PoolWorker } from '../../src/server/worker-pool.ts'

type ExitListener = (code: number | null, signal: string | null) => void

class FakeWorker implements PoolWorker {
  private message?: (message: unknown) => void
  private exit?: ExitListener
  killedWith?: string
  exited = false
  constructor(readonly env: Record<string, string>) {}
  onMessage(listener: (message: unknown) => void) {
    this.message = listener
  }
  onExit(listener: ExitListener) {
    this.exit = listener
  }
  kill(signal: NodeJS.Signals) {
    this.killedWith = signal
    queueMicrotask(() => this.dies(0))
  }
  listens() {
    this.message?.({ type: WORKER_LISTENING })
  }
  dies(code = 1) {
    if (this.exited) return
    this.exited = true
    this.exit?.(code, null)
  }
}

/** A pool on fakes: forks, timers, the clock, signals and exit are the test's. */
function fakePool(count = 2) {
  let now = 0
  const workers: FakeWorker[] = []
  const timers: { at: number; run: () => void }[] = []
  const signals = new Map<string, () => void>()
  const lines: Record<string, unknown>[] = []
  let exitCode: number | undefined
  let stoppedHook = 0
  const logger = createLogger({ level: 'info', write: (chunk) => lines.push(...chunk.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)) })
  runWorkerPool({
    count,
    logger,
    url: 'http://127.0.0.1:8000',
    env: { REDIS_URL: 'redis://127.0.0.1:1234' },
    onStopped: async () => void stoppedHook++,
    restartPolicy: createRestartPolicy({ now: () => now }),
    fork: (env) => {
      const worker = new FakeWorker(env)
      workers.push(worker)
      return worker
    },
    schedule: (run, delayMs) => void timers.push({ at: now + delayMs, run }),
    exit: (code) => void (exitCode = code),
    onSignal: (signal, listener) => void signals.set(signal, listener),
  })
  return {
    workers,
    /** The log so far (flushed first: info lines wait for the next tick). */
    lines: () => {
      logger.flush()
      return lines
    },
    live: () => workers.filter((worker) => !worker.exited),
    exitCode: () => exitCode,
    stoppedHook: () => stoppedHook,
    signal: (name: string) => signals.get(name)!(),
    /** Moves time on, running the restarts that fall due. */
    advance(ms: number) {
      now += ms
      for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
        if (timer.at <= now) timer.run()
        else timers.push(timer)
      }
    },
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

test('the workers get the env the primary chose; "listening" once all serve', () => {
  const pool = fakePool(2)
  expect(pool.workers.map((worker) => worker.env)).toEqual([{ REDIS_URL: 'redis://127.0.0.1:1234' }, { REDIS_URL: 'redis://127.0.0.1:1234' }])
  pool.workers[0]!.listens()
  pool.workers[0]!.listens()
  expect(pool.lines().some((line) => line.msg === 'listening')).toBe(false)
  pool.workers[1]!.listens()
  expect(pool.lines().filter((line) => line.msg === 'listening')).toHaveLength(1)
})

test('a worker that dies while serving is replaced after a back-off, not at once', () => {
  const pool = fakePool(2)
  for (const worker of pool.workers) worker.listens()
  pool.workers[0]!.dies()
  expect(pool.workers).toHaveLength(2)
  pool.advance(99)
  expect(pool.workers).toHaveLength(2)
  pool.advance(1)
  expect(pool.workers).toHaveLength(3)
  pool.workers[2]!.listens()
  pool.workers[2]!.dies()
  pool.advance(199)
  expect(pool.workers).toHaveLength(3)
  pool.advance(1)
  expect(pool.workers).toHaveLength(4)
  expect(pool.lines().filter((line) => line.msg === 'a worker died; starting another').map((line) => line.delayMs)).toEqual([100, 200])
  expect(pool.exitCode()).toBeUndefined()
})

test('a crash loop (5 deaths within 30 s) stops the pool: exit 1, the reason in one line', async () => {
  const pool = fakePool(2)
  for (const worker of pool.workers) worker.listens()
  for (let death = 0; death < 5; death++) {
    pool.workers.at(-1)!.dies(3)
    pool.advance(1000)
  }
  await settle()
  expect(pool.exitCode()).toBe(1)
  const reasons = pool.lines().filter((line) => line.level === 'error' && String(line.msg).startsWith('workers keep dying'))
  expect(reasons).toEqual([expect.objectContaining({ msg: 'workers keep dying (5 exits within 30 s); stopping', code: 3 })])
  expect(pool.live()).toHaveLength(0)
  expect(pool.stoppedHook()).toBe(1)
  // No replacement is started after the decision to stop.
  const forked = pool.workers.length
  pool.advance(60_000)
  expect(pool.workers).toHaveLength(forked)
})

test('a worker that fails before the pool serves stops it with that exit code (a start-up failure)', async () => {
  const pool = fakePool(2)
  pool.workers[0]!.dies(2)
  await settle()
  expect(pool.exitCode()).toBe(2)
  expect(pool.workers[1]!.killedWith).toBe('SIGTERM')
  expect(pool.workers).toHaveLength(2)
})

test('SIGTERM during a pending restart: the others stop, nothing new starts, exit 0 after onStopped', async () => {
  const pool = fakePool(2)
  for (const worker of pool.workers) worker.listens()
  pool.workers[0]!.dies()
  pool.signal('SIGTERM')
  await settle()
  pool.advance(10_000)
  expect(pool.workers).toHaveLength(2)
  expect(pool.exitCode()).toBe(0)
  expect(pool.stoppedHook()).toBe(1)
})

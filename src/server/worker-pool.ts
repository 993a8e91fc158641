import cluster from 'node:cluster'
import type { Logger } from '../logger.ts'
import { createRestartPolicy, type RestartPolicy } from './restart-policy.ts'

/** What a worker tells the primary once it serves. */
export const WORKER_LISTENING = 'worker-listening'

/** The little of a cluster worker the pool uses (tests pass fakes). */
export interface PoolWorker {
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(signal: NodeJS.Signals): void
}

export interface WorkerPoolOptions {
  count: number
  logger: Logger
  /** Passed on to the primary's own "listening" line. */
  url: string
  /** Added to every worker's environment (e.g. the REDIS_URL the primary chose). */
  env?: Record<string, string>
  /** Runs once every worker has exited, before the primary exits (e.g. stops a private Redis). */
  onStopped?: () => Promise<void>
  restartPolicy?: RestartPolicy
  fork?: (env: Record<string, string>) => PoolWorker
  schedule?: (run: () => void, delayMs: number) => void
  exit?: (code: number) => void
  /** Where SIGTERM and SIGINT are heard; `process` by default. */
  onSignal?: (signal: NodeJS.Signals, listener: () => void) => void
}

/** True in a process started by the pool: it serves on the shared port (Bun needs `reusePort`). */
export function isPoolWorker(): boolean {
  return cluster.isWorker
}

/** A worker reports that it serves; the primary waits for all of them before it says "listening". */
export function reportListening(): void {
  process.send?.({ type: WORKER_LISTENING })
}

function forkClusterWorker(env: Record<string, string>): PoolWorker {
  const worker = cluster.fork(env)
  return {
    onMessage: (listener) => void worker.on('message', listener),
    onExit: (listener) => void worker.on('exit', listener),
    kill: (signal) => void worker.process.kill(signal),
  }
}

/**
 * The primary of `WORKERS=N`: starts N copies of this program (node:cluster on Node and Bun), each
 * with its own local tier and invalidations. SIGTERM stops them all, then the primary exits 0.
 * A worker that dies before the pool first serves stops the pool with its exit code (a start-up
 * failure, e.g. a busy port). Later, a dead worker is replaced after a back-off; a crash loop
 * (maxFailures deaths within the window) stops the pool with exit code 1 and says why in one line.
 */
export function runWorkerPool({
  count,
  logger,
  url,
  env = {},
  onStopped = async () => {},
  restartPolicy = createRestartPolicy(),
  fork = forkClusterWorker,
  schedule = (run, delayMs) => void setTimeout(run, delayMs),
  exit = (code) => process.exit(code),
  onSignal = (signal, listener) => void process.on(signal, listener),
}: WorkerPoolOptions): void {
  let stopping = false
  let exitCode = 0
  let serving = false
  let listening = 0
  const live = new Set<PoolWorker>()

  const start = () => {
    const worker = fork(env)
    let reported = false
    live.add(worker)
    worker.onMessage((message) => {
      if ((message as { type?: unknown } | null)?.type !== WORKER_LISTENING || reported) return
      reported = true
      if (!serving && ++listening === count) {
        serving = true
        logger.info('listening', { url, workers: count, pid: process.pid })
      }
    })
    worker.onExit((code, signal) => {
      live.delete(worker)
      if (stopping) {
        if (live.size === 0) void finish()
        return
      }
      if (!serving) {
        logger.error('a worker failed to start; stopping', { code, signal })
        void stop(code || 1)
        return
      }
      const decision = restartPolicy.failed()
      if (!decision.restart) {
        logger.error(`workers keep dying (${decision.failures} exits within ${decision.windowMs / 1000} s); stopping`, { code, signal })
        void stop(1)
        return
      }
      logger.error('a worker died; starting another', { code, signal, delayMs: decision.delayMs })
      schedule(() => {
        if (!stopping) start()
      }, decision.delayMs)
    })
  }

  const finish = async () => {
    await onStopped()
    logger.info('stopped')
    logger.flush()
    exit(exitCode)
  }

  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    exitCode = code
    logger.info('stopping workers', { workers: live.size })
    if (live.size === 0) await finish()
    for (const worker of live) worker.kill('SIGTERM')
  }

  for (let i = 0; i < count; i++) start()
  onSignal('SIGTERM', () => void stop(0))
  onSignal('SIGINT', () => void stop(0))
}

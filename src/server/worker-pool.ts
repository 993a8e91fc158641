import cluster, { type Worker } from 'node:cluster'
import type { Logger } from '../logger.ts'

/** What a worker tells the primary once it serves. */
export const WORKER_LISTENING = 'worker-listening'

export interface WorkerPoolOptions {
  count: number
  logger: Logger
  /** Passed on to the primary's own "listening" line. */
  url: string
}

/** True in a process started by the pool: it serves on the shared port (Bun needs `reusePort`). */
export function isPoolWorker(): boolean {
  return cluster.isWorker
}

/** A worker reports that it serves; the primary waits for all of them before it says "listening". */
export function reportListening(): void {
  process.send?.({ type: WORKER_LISTENING })
}

/**
 * The primary of `WORKERS=N`: starts N copies of this program (node:cluster on Node and Bun), each
 * with its own local tier and invalidations. SIGTERM stops them all, then the primary exits 0.
 * A worker that dies while serving is replaced; one that dies before serving stops the pool.
 */
export function runWorkerPool({ count, logger, url }: WorkerPoolOptions): void {
  let stopping = false
  let exitCode = 0
  let listening = 0
  const started = new Set<Worker>()
  const live = new Set<Worker>()

  const fork = () => {
    const worker = cluster.fork()
    live.add(worker)
    worker.on('message', (message: { type?: string }) => {
      if (message?.type !== WORKER_LISTENING || started.has(worker)) return
      started.add(worker)
      if (++listening === count) logger.info('listening', { url, workers: count, pid: process.pid })
    })
    worker.on('exit', (code, signal) => {
      const served = started.delete(worker)
      live.delete(worker)
      if (stopping) {
        if (live.size === 0) finish()
        return
      }
      if (!served) {
        logger.error('a worker failed to start; stopping', { code, signal })
        void stop(1)
        return
      }
      logger.error('a worker died; starting another', { code, signal })
      listening--
      fork()
    })
  }

  const finish = () => {
    logger.info('stopped')
    logger.flush()
    process.exit(exitCode)
  }

  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    exitCode = code
    logger.info('stopping workers', { workers: live.size })
    if (live.size === 0) finish()
    for (const worker of live) worker.process.kill('SIGTERM')
  }

  for (let i = 0; i < count; i++) fork()
  process.on('SIGTERM', () => void stop(0))
  process.on('SIGINT', () => void stop(0))
}

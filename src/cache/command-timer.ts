/**
 * Told of each call a tier wrapper times (TimedLocalTier, TimedRedisStore): one per operation, fetched
 * once, so that a call costs two clock reads and one method call. ProxyMetrics provides them.
 */
export interface CommandTimer {
  succeeded(seconds: number): void
  /** The call threw `error` after `seconds` (a skip by an open circuit throws at once). */
  failed(seconds: number, error: unknown): void
}

export type CommandTimers<Operation extends string> = (operation: Operation) => CommandTimer

/** The call's own promise, with the timer told when it settles; `started` taken before the call was made. */
export function timed<T>(timer: CommandTimer, call: Promise<T>, started: number): Promise<T> {
  return call.then(
    (value) => {
      timer.succeeded((performance.now() - started) / 1000)
      return value
    },
    (error: unknown) => {
      timer.failed((performance.now() - started) / 1000, error)
      throw error
    },
  )
}

/** When a pool replaces a worker that died: after a growing delay, and not at all in a crash loop. */
export interface RestartPolicyOptions {
  /** This many deaths within `windowMs` is a crash loop: stop instead of restarting. */
  maxFailures?: number
  windowMs?: number
  /** The first restart waits this long; each further death within the window doubles it, up to `maxDelayMs`. */
  baseDelayMs?: number
  maxDelayMs?: number
  now?: () => number
}

export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false; readonly failures: number; readonly windowMs: number }

export interface RestartPolicy {
  /** Records a death now and says what to do about it. */
  failed(): RestartDecision
}

export function createRestartPolicy({ maxFailures = 5, windowMs = 30_000, baseDelayMs = 100, maxDelayMs = 10_000, now = Date.now }: RestartPolicyOptions = {}): RestartPolicy {
  const deaths: number[] = []
  return {
    failed() {
      const at = now()
      deaths.push(at)
      while (deaths[0]! <= at - windowMs) deaths.shift()
      if (deaths.length >= maxFailures) return { restart: false, failures: deaths.length, windowMs }
      return { restart: true, delayMs: Math.min(baseDelayMs * 2 ** (deaths.length - 1), maxDelayMs) }
    },
  }
}

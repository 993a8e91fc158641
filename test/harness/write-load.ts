/** A steady write load through a proxy, each acknowledged write read back at once: what a failover test counts. */

export interface WriteAttempt {
  readonly key: string
  readonly value: string
  readonly startedAt: number
  readonly endedAt: number
  readonly status: number
  /** The error code of a refused write. */
  readonly code?: string
}

export interface WriteLoadResult {
  readonly attempts: readonly WriteAttempt[]
  /** key → value of every write answered 200. */
  readonly acknowledged: ReadonlyMap<string, string>
  /** Reads right after an acknowledged write that answered anything but that value (a 503 is not stale). */
  readonly staleReads: readonly string[]
}

export interface WriteLoad {
  /** performance.now() of the first write answered 200 among those started at or after `t`. */
  firstAcknowledgedAfter(t: number, accept?: (attempt: WriteAttempt) => boolean): number | undefined
  readonly attempts: readonly WriteAttempt[]
  stop(): Promise<WriteLoadResult>
}

export function startWriteLoad(proxyUrl: string, { writers = 4, prefix = 'load', pauseMs = 5 } = {}): WriteLoad {
  const attempts: WriteAttempt[] = []
  const acknowledged = new Map<string, string>()
  const staleReads: string[] = []
  let running = true
  const writer = async (w: number) => {
    for (let i = 0; running; i++) {
      const key = `${prefix}-${w}-${i}`
      const value = `v${i}-${Math.random().toString(36).slice(2, 8)}`
      const startedAt = performance.now()
      let status = 0
      let code: string | undefined
      try {
        const res = await fetch(`${proxyUrl}/v1/keys/${encodeURIComponent(key)}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ value }),
          signal: AbortSignal.timeout(5000),
        })
        status = res.status
        const body = (await res.json()) as { error?: { code: string } }
        code = body.error?.code
      } catch {
        status = -1
      }
      attempts.push({ key, value, startedAt, endedAt: performance.now(), status, code })
      if (status === 200) {
        acknowledged.set(key, value)
        try {
          const read = await fetch(`${proxyUrl}/v1/keys/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(5000) })
          const body = (await read.json()) as { value?: string }
          if (read.status !== 503 && (read.status !== 200 || body.value !== value)) staleReads.push(`${key}: ${read.status} ${body.value}`)
        } catch {
          // no answer is not a stale answer
        }
      }
      await Bun.sleep(pauseMs)
    }
  }
  const done = Promise.all(Array.from({ length: writers }, (_, w) => writer(w)))
  return {
    attempts,
    firstAcknowledgedAfter(t, accept = () => true) {
      return attempts.filter((a) => a.status === 200 && a.startedAt >= t && accept(a)).reduce<number | undefined>((first, a) => (first === undefined || a.endedAt < first ? a.endedAt : first), undefined)
    },
    async stop() {
      running = false
      await done
      return { attempts, acknowledged, staleReads }
    },
  }
}

/** One HTTP answer with how long it took, for fault tests that bound latency. */
export interface TimedAnswer {
  readonly status: number
  readonly ms: number
  readonly headers: Headers
  readonly body: any
}

export async function timedFetch(url: string, init?: RequestInit): Promise<TimedAnswer> {
  const started = performance.now()
  const res = await fetch(url, init)
  const text = await res.text()
  const ms = performance.now() - started
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: body stays undefined
  }
  return { status: res.status, ms, headers: res.headers, body }
}

export function putKey(proxyUrl: string, key: string, value: string): Promise<TimedAnswer> {
  return timedFetch(`${proxyUrl}/v1/keys/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ value }),
  })
}

export function getKey(proxyUrl: string, key: string): Promise<TimedAnswer> {
  return timedFetch(`${proxyUrl}/v1/keys/${encodeURIComponent(key)}`)
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Prints a measured figure so that runs report it (bounds in the assertions stay generous). */
export function report(what: string, ms: number): void {
  console.log(`  measured: ${what}: ${ms.toFixed(1)} ms`)
}

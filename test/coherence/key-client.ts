import type { ProxyProcess } from '../harness/proxy-process.ts'

export interface KeyAnswer {
  status: number
  value: string | undefined
  source: 'local' | 'redis' | undefined
}

/** GET /v1/keys/:key on one proxy; a new connection each time so that WORKERS share the reads. */
export async function readKey(proxy: ProxyProcess, key: string): Promise<KeyAnswer> {
  const res = await fetch(`${proxy.url}/v1/keys/${encodeURIComponent(key)}`, { headers: { connection: 'close' } })
  const body = (await res.json()) as { value?: string; source?: 'local' | 'redis' }
  return { status: res.status, value: body.value, source: body.source }
}

export async function writeKey(proxy: ProxyProcess, key: string, value: string, ttl?: number): Promise<void> {
  const res = await fetch(`${proxy.url}/v1/keys/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ttl === undefined ? { value } : { value, ttl }),
  })
  if (res.status !== 200) throw new Error(`PUT ${key} answered ${res.status}: ${await res.text()}`)
}

export async function deleteKey(proxy: ProxyProcess, key: string): Promise<void> {
  const res = await fetch(`${proxy.url}/v1/keys/${encodeURIComponent(key)}`, { method: 'DELETE' })
  if (res.status !== 200) throw new Error(`DELETE ${key} answered ${res.status}`)
}

/** Reads until the proxy serves the key from its local tier (it needs one Redis read per process first). */
export async function cacheLocally(proxy: ProxyProcess, key: string, expected: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let streak = 0
  while (Date.now() < deadline) {
    const answer = await readKey(proxy, key)
    if (answer.value !== expected) throw new Error(`expected ${expected} for ${key}, got ${answer.status} ${answer.value}`)
    // Several local answers in a row: with WORKERS, each process has its copy.
    streak = answer.source === 'local' ? streak + 1 : 0
    if (streak >= 8) return
  }
  throw new Error(`${key} was not served from the local tier within ${timeoutMs} ms`)
}

/**
 * Milliseconds until `proxy` answers as `isFresh` says, polling; every answer after the first fresh
 * one must stay fresh (`settleReads` more reads), so a flicker back to the old value fails.
 */
export async function msUntilFresh(proxy: ProxyProcess, key: string, isFresh: (answer: KeyAnswer) => boolean, timeoutMs = 3000, settleReads = 5): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const answer = await readKey(proxy, key)
    if (isFresh(answer)) {
      const elapsed = performance.now() - started
      for (let i = 0; i < settleReads; i++) {
        const again = await readKey(proxy, key)
        if (!isFresh(again)) throw new Error(`${key} flickered back to ${again.status} ${again.value}`)
      }
      return elapsed
    }
    await Bun.sleep(2)
  }
  throw new Error(`${key} was still stale after ${timeoutMs} ms`)
}

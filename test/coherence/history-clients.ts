import { Redis } from 'ioredis'
import type { History, Observed, WriteHandle } from '../harness/history.ts'

/** A seeded generator (mulberry32): a failing history can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Workload {
  readonly history: History
  readonly random: () => number
  /** Clients stop starting operations once this says so. */
  readonly running: () => boolean
}

/** No answer within this long: the operation's outcome is unknown (a read is not checked). */
const CALL_TIMEOUT_MS = 5000

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

let sequence = 0
/** A value no other write in the run uses, so that every read names its write. */
function uniqueValue(by: string): string {
  return `${by}#${++sequence}`
}

/** Settles a write from an HTTP status: 200 acknowledged, a 4xx refused (nothing stored), anything else unknown. */
function settle(handle: WriteHandle, status: number): void {
  if (status === 200) handle.acknowledged()
  else if (status >= 400 && status < 500) handle.refused()
  else handle.unknown()
}

/**
 * One client of one proxy, operating on the history's keys one operation at a time: reads mostly,
 * writes (some with a 1 s TTL) and deletes, through /v1.
 */
export async function proxyClient({ history, random, running }: Workload, proxy: { name: string; url: string }): Promise<void> {
  const keyUrl = (key: string) => `${proxy.url}/v1/keys/${encodeURIComponent(key)}`
  while (running()) {
    const key = pick(random, history.keys)
    const roll = random()
    if (roll < 0.7) {
      const read = history.read(key, proxy.name)
      try {
        const res = await fetch(keyUrl(key), { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
        const body = (await res.json()) as { value?: string; source?: string }
        if (res.status === 200) read.returned(body.value!, body.source)
        else if (res.status === 404) read.returned(null)
        else read.failed()
      } catch {
        read.failed()
      }
    } else if (roll < 0.92) {
      const value = uniqueValue(proxy.name)
      const ttl = roll < 0.88 ? undefined : 1
      const write = history.write(key, value, proxy.name, ttl === undefined ? undefined : ttl * 1000)
      try {
        const res = await fetch(keyUrl(key), {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ttl === undefined ? { value } : { value, ttl }),
          signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        })
        await res.arrayBuffer()
        settle(write, res.status)
      } catch {
        write.unknown()
      }
    } else {
      const remove = history.write(key, null, proxy.name)
      try {
        const res = await fetch(keyUrl(key), { method: 'DELETE', signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
        await res.arrayBuffer()
        settle(remove, res.status)
      } catch {
        remove.unknown()
      }
    }
  }
}

/** A fail-fast client straight to Redis, as another program writing to it would have. */
export function directRedisClient(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, retryStrategy: () => 50 })
  client.on('error', () => {})
  return client
}

/** Runs a Redis command as a write of the history: acknowledged on its reply, unknown when it fails. */
export async function recorded(handle: WriteHandle, command: () => Promise<unknown>): Promise<void> {
  try {
    await command()
    handle.acknowledged()
  } catch {
    handle.unknown()
  }
}

/** Another program writing straight to Redis: SETs (some expiring within a second) and DELs, a few ms apart. */
export async function directWriter({ history, random, running }: Workload, redis: Redis): Promise<void> {
  while (running()) {
    const key = pick(random, history.keys)
    const roll = random()
    if (roll < 0.6) {
      const value: Observed = uniqueValue('redis')
      await recorded(history.write(key, value, 'redis'), () => redis.set(key, value))
    } else if (roll < 0.8) {
      const value = uniqueValue('redis')
      const ttlMs = 300 + Math.floor(random() * 500)
      await recorded(history.write(key, value, 'redis', ttlMs), () => redis.set(key, value, 'PX', ttlMs))
    } else {
      await recorded(history.write(key, null, 'redis'), () => redis.del(key))
    }
    // Slow enough that local copies live between its writes, so local hits are checked too.
    await Bun.sleep(10 + Math.floor(random() * 30))
  }
}

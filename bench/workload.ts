import { Redis } from 'ioredis'
import memjs from 'memjs'
import { forRuntime, type CaseSpec } from './cases.ts'
import type { Runtime } from './processes.ts'

/** The data the workloads read: `bench:0` … `bench:<keys-1>`, 100-byte values. */
const VALUE = 'v'.repeat(100)

/** Every key the workloads touch (`<prefix><n>`), in Redis: for the proxy and raw ioredis. */
export async function fillRedis(redisPort: number, keys: number, prefixes: string[]): Promise<void> {
  const redis = new Redis({ port: redisPort, host: '127.0.0.1' })
  const pipeline = redis.pipeline()
  for (const prefix of prefixes) for (let i = 0; i < keys; i++) pipeline.set(`${prefix}${i}`, VALUE)
  await pipeline.exec()
  await redis.quit()
}

/** The same keys in Memcached for raw memjs; after the proxies start, as a proxy flushes its Memcached when it (re)connects. */
export async function fillMemcached(memcachedPort: number, keys: number): Promise<void> {
  const memcached = memjs.Client.create(`127.0.0.1:${memcachedPort}`, { logger: { log: () => {} } })
  for (let start = 0; start < keys; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, keys - start) }, (_, j) => memcached.set(`bench:${start + j}`, VALUE, { expires: 3600 })))
  }
  memcached.close()
}

/** `Name: value` lines (as wrk -H takes them) as a fetch headers object. */
function headersOf(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]))
}

/** GETs every key once so that the local tier holds them all. */
export async function prime(url: string, path: string, keys: number, headerLines: readonly string[] = []): Promise<void> {
  let next = 0
  const headers = headersOf(headerLines)
  const worker = async () => {
    while (next < keys) {
      const response = await fetch(`${url}${path}${next++}`, { headers })
      if (response.status !== 200) throw new Error(`priming ${url}${path}: status ${response.status}`)
      await response.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker))
}

/** One request that shows the case measures what it says (a local hit is a local hit…). */
export async function check(spec: CaseSpec, url: string, runtime: Runtime): Promise<void> {
  const { method, body, status, contains } = spec.check
  const path = forRuntime(spec.check.path, runtime)
  const headers = { ...headersOf(spec.check.headers ?? []), ...(body ? { 'Content-Type': 'application/json' } : {}) }
  const response = await fetch(url + path, { method, body, headers })
  const text = await response.text()
  if (response.status !== status || !text.includes(contains)) {
    throw new Error(`${runtime} ${spec.id}: ${method} ${path} answered ${response.status} ${text.slice(0, 300)}; expected ${status} with ${contains}`)
  }
}


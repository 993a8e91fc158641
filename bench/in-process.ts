import { Hono } from 'hono'
import { createApp } from '../src/app.ts'
import { MemoryTier } from '../src/cache/memory-tier.ts'
import type { RedisStore } from '../src/cache/redis-store.ts'
import { TieredCache } from '../src/cache/tiered-cache.ts'
import { createLogger } from '../src/logger.ts'
import { ProxyMetrics } from '../src/metrics/proxy-metrics.ts'
import { Registry } from 'prom-client'

/**
 * The app's own cost per request, without sockets: `app.fetch` on a local hit against a bare Hono
 * handler, alternating, in one process; "proxy + metrics" is the app as main.ts builds it (`bun bench/in-process.ts`, `node --import tsx bench/in-process.ts`).
 * What the end-to-end bench cannot separate from the server and the kernel on a busy machine.
 */

const KEYS = 10_000
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const REQUESTS = Number(process.env.REQUESTS ?? 200_000)

const noRedis: RedisStore = {
  get: async () => null,
  getWithTtl: async () => ({ value: null, ttlMs: -2 }),
  set: async () => ({ existed: false }),
  delete: async () => false,
  ping: async () => {},
  close: async () => {},
}

const local = new MemoryTier({ capacity: KEYS, ttlSeconds: 300 })
for (let i = 0; i < KEYS; i++) await local.set(`bench:${i}`, 'v'.repeat(100))
const cache = new TieredCache({ local, redis: noRedis, redisTtlSeconds: 0 })
const deps = { cache, probeReadiness: async () => ({}) as never, maxValueBytes: 1 << 20, maxConcurrentRequests: 1024 }
const apps: Record<string, { fetch: (request: Request) => Response | Promise<Response> }> = {
  ceiling: new Hono().get('/', (c) => c.json({ status: 'ok' })),
  'proxy, bare': createApp({ ...deps, logger: createLogger({ level: 'warn' }) }),
  'proxy + metrics': createApp({ ...deps, logger: createLogger({ level: 'warn' }), metrics: new ProxyMetrics({ registry: new Registry(), processMetrics: false }) }),
  'proxy, logging': createApp({ ...deps, logger: createLogger({ level: 'info', write: () => {} }) }),
  'proxy + metrics + logging': createApp({ ...deps, logger: createLogger({ level: 'info', write: () => {} }), metrics: new ProxyMetrics({ registry: new Registry(), processMetrics: false }) }),
}
const urls = Array.from({ length: 4096 }, (_, i) => `http://127.0.0.1/?key=bench:${(i * 7919) % KEYS}`)

// ONLY=<name>: measure one app alone, e.g. under `bun --cpu-prof-md`.
if (process.env.ONLY) for (const name of Object.keys(apps)) if (name !== process.env.ONLY) delete apps[name]
const results: Record<string, number[]> = {}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, app] of Object.entries(apps)) {
    const started = performance.now()
    for (let i = 0; i < REQUESTS; i++) {
      const answer = app.fetch(new Request(urls[i & 4095]!))
      const response = answer instanceof Promise ? await answer : answer
      if (response.status !== 200) throw new Error(`${name}: status ${response.status}`)
    }
    ;(results[name] ??= []).push(((performance.now() - started) * 1000) / REQUESTS)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!
const ceiling = median(results.ceiling ?? Object.values(results)[0]!)
for (const [name, values] of Object.entries(results)) {
  console.log(`${name.padEnd(26)} ${median(values).toFixed(2).padStart(6)} µs/request  ÷ ceiling ${(ceiling / median(values)).toFixed(2)}`)
}

import { Hono } from 'hono'
import type { LocalTier } from '../src/cache/tiers/local-tier.ts'
import { MemoryTier } from '../src/cache/tiers/memory-tier.ts'
import { NoLocalTier } from '../src/cache/tiers/no-local-tier.ts'
import { BENCH_VALUE, stubbedBareApp, stubbedProxyApp, stubRedis, type App } from './stubbed-proxy.ts'

/**
 * The app's own cost per request, without sockets or servers: `app.fetch` against a bare Hono
 * handler doing the same lookup, alternating, in one process (`bun bench/in-process.ts`,
 * `node --import tsx bench/in-process.ts`). What the end-to-end bench cannot separate from the
 * server and the kernel on a busy machine.
 *
 * PATH_KIND=local (default): a memory-tier hit, against the bare `{status: ok}` handler (the ceiling).
 * PATH_KIND=redis: LOCAL_CACHE=none, every read from a RedisStore stub that answers at once, against a
 *   bare handler awaiting the same stub (as bench/bare-server.ts awaits ioredis).
 * PATH_KIND=memcached: a hit in an async local tier stub behind GuardedLocalTier, as main.ts builds it,
 *   against a bare handler awaiting the same stub.
 * ONLY=<name>: measure one app alone, e.g. under `bun --cpu-prof-md`.
 */

const KEYS = 10_000
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const REQUESTS = Number(process.env.REQUESTS ?? 200_000)
const PATH = process.env.PATH_KIND ?? 'local'

/** An async local tier that always hits, standing in for Memcached. */
const stubRemoteTier: LocalTier = {
  name: 'memcached',
  get: (key) => Promise.resolve(key.startsWith('bench:') ? BENCH_VALUE : undefined),
  set: async () => {},
  delete: async () => {},
  clear: async () => {},
  ping: async () => {},
  close: async () => {},
}

async function localTierFor(path: string): Promise<LocalTier> {
  if (path === 'redis') return new NoLocalTier()
  if (path === 'memcached') return stubRemoteTier
  const memory = new MemoryTier({ capacity: KEYS, ttlSeconds: 300 })
  for (let i = 0; i < KEYS; i++) await memory.set(`bench:${i}`, BENCH_VALUE)
  return memory
}

function yardstick(path: string) {
  if (path === 'local') return new Hono().get('/', (c) => c.json({ status: 'ok' }))
  const lookup = path === 'redis' ? (key: string) => stubRedis.get(key) : (key: string) => stubRemoteTier.get(key)
  return new Hono().get('/', async (c) => {
    const key = c.req.query('key')!
    const value = await lookup(key)
    return value == null ? c.json({ key }, 404) : c.json({ key, value })
  })
}

const local = await localTierFor(PATH)
// Pieces taken away from the built proxy: the same app without metrics (createApp is what buildProxy calls).
const apps: Record<string, App> = {
  [PATH === 'local' ? 'ceiling' : 'bare handler']: yardstick(PATH),
  'proxy, bare': stubbedBareApp(local, 'warn'),
  'proxy + metrics': stubbedProxyApp(local, 'warn'),
  'proxy, logging': stubbedBareApp(local, 'info'),
  'proxy + metrics + logging': stubbedProxyApp(local, 'info'),
}
const urls = Array.from({ length: 4096 }, (_, i) => `http://127.0.0.1/?key=bench:${(i * 7919) % KEYS}`)

if (process.env.ONLY) for (const name of Object.keys(apps)) if (name !== process.env.ONLY) delete apps[name]
const results: Record<string, number[]> = {}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, app] of Object.entries(apps)) {
    const started = performance.now()
    for (let i = 0; i < REQUESTS; i++) {
      const answer = app.fetch(new Request(urls[i & 4095]!))
      const response = answer instanceof Promise ? await answer : answer
      if (response.status !== 200) throw new Error(`${name}: status ${response.status}`)
      // Node's undici Responses are only freed once the event loop turns: a synchronous loop ran out of heap.
      if ((i & 4095) === 4095) await new Promise((resolve) => setImmediate(resolve))
    }
    ;(results[name] ??= []).push(((performance.now() - started) * 1000) / REQUESTS)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!
const baseline = median(Object.values(results)[0]!)
console.log(`PATH=${PATH}`)
for (const [name, values] of Object.entries(results)) {
  console.log(`${name.padEnd(26)} ${median(values).toFixed(2).padStart(6)} µs/request  ÷ first ${(baseline / median(values)).toFixed(2)}  (+${(median(values) - baseline).toFixed(2)} µs)`)
}

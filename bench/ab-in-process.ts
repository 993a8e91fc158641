import { join, resolve } from 'node:path'

/**
 * A/B of two checkouts in one process, without sockets: `bun bench/ab-in-process.ts <dir A> <dir B> [scenario]`
 * (or `node --import tsx …`). Each directory's own src/ builds an app (memory tier, a Redis stub that
 * answers at once, no logs or metrics), and the two take turns over rounds: CPU time per request from
 * process.cpuUsage(), steadier than wall time on a shared machine.
 *
 * scenario local (default): GET /v1/keys/<key>, a local hit. token: the same with API_TOKEN set and sent.
 * put: PUT /v1/keys/<key> with a 100-byte value. cors: the local hit with CORS_ORIGINS set, from a client
 * that sends no Origin; cors-origin: the same from a listed origin (a checkout without CORS ignores both).
 */

const [dirA, dirB, scenario = 'local'] = process.argv.slice(2)
if (!dirA || !dirB) throw new Error('usage: bench/ab-in-process.ts <dir A> <dir B> [local|token|put|cors|cors-origin]')
const ROUNDS = Number(process.env.ROUNDS ?? 9)
const REQUESTS = Number(process.env.REQUESTS ?? 100_000)
const KEYS = 10_000
const VALUE = 'v'.repeat(100)
const TOKEN = 'bench-token-0123456789abcdef'
const ORIGIN = 'https://app.example.com'

type AppFetch = (request: Request) => Response | Promise<Response>

/** The app as dir's createApp builds it; the modules are that checkout's, loaded beside the other's. */
async function appFrom(dir: string): Promise<AppFetch> {
  const src = (path: string) => import(join(resolve(dir), 'src', path))
  const [{ createApp }, { TieredCache }, { MemoryTier }, { ObservedRedisStore }, { createLogger }] = await Promise.all([
    src('app.ts'),
    src('cache/tiered-cache.ts'),
    src('cache/tiers/memory-tier.ts'),
    src('cache/redis/observed-redis-store.ts'),
    src('logger.ts'),
  ])
  const redis = {
    get: () => Promise.resolve(VALUE),
    getWithTtl: async () => ({ value: VALUE, ttlMs: -1 }),
    set: async () => ({ existed: true }),
    delete: async () => true,
    ping: async () => {},
    close: async () => {},
  }
  const local = new MemoryTier({ capacity: 2 * KEYS, ttlSeconds: 300 })
  for (let i = 0; i < KEYS; i++) await local.set(`bench:${i}`, VALUE)
  const cache = new TieredCache({ local, redis: new ObservedRedisStore(redis, () => {}), redisTtlSeconds: 0 })
  const app = createApp({
    cache,
    logger: createLogger({ level: 'warn' }),
    probeReadiness: async () => ({}),
    maxValueBytes: 1 << 20,
    maxConcurrentRequests: 1024,
    apiToken: scenario === 'token' ? TOKEN : undefined,
    corsOrigins: scenario.startsWith('cors') ? [ORIGIN] : undefined,
  })
  return (request) => app.fetch(request)
}

const paths = Array.from({ length: 4096 }, (_, i) => `http://127.0.0.1/v1/keys/bench:${(i * 7919) % KEYS}`)
const body = JSON.stringify({ value: 'w'.repeat(100) })
const requestFor: (i: number) => Request =
  scenario === 'put'
    ? (i) => new Request(paths[i & 4095]!, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } })
    : scenario === 'token'
      ? (i) => new Request(paths[i & 4095]!, { headers: { Authorization: `Bearer ${TOKEN}` } })
      : scenario === 'cors-origin'
        ? (i) => new Request(paths[i & 4095]!, { headers: { Origin: ORIGIN } })
        : (i) => new Request(paths[i & 4095]!)

const apps: [string, AppFetch][] = [
  [dirA, await appFrom(dirA)],
  [dirB, await appFrom(dirB)],
]
const cpuUs: number[][] = [[], []]
for (let round = 0; round < ROUNDS; round++) {
  // A B, then B A: neither always runs first.
  for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
    const fetch = apps[i]![1]
    const before = process.cpuUsage()
    for (let n = 0; n < REQUESTS; n++) {
      const answer = fetch(requestFor(n))
      const response = answer instanceof Promise ? await answer : answer
      if (response.status !== 200) throw new Error(`${apps[i]![0]}: status ${response.status} ${await response.text()}`)
      // Node's undici Responses are only freed once the event loop turns.
      if ((n & 4095) === 4095) await new Promise((resolve) => setImmediate(resolve))
    }
    const used = process.cpuUsage(before)
    cpuUs[i]!.push((used.user + used.system) / REQUESTS)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!
const [a, b] = cpuUs.map(median) as [number, number]
const runtime = typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`
console.log(`${runtime}, ${scenario}, ${ROUNDS} rounds × ${REQUESTS} requests, median CPU µs per request`)
console.log(`A ${dirA}: ${a.toFixed(2)}`)
console.log(`B ${dirB}: ${b.toFixed(2)}  (B ÷ A ${(b / a).toFixed(2)}, ${(b - a).toFixed(2)} µs)`)

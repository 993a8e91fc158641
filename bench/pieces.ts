import { startRedis } from '../test/harness/service-process.ts'
import { benchOptions } from './options.ts'
import { startServer, type ServerProcess } from './processes.ts'
import { fillRedis, prime } from './workload.ts'
import { runWrk } from './wrk.ts'

/**
 * Where a local hit's cost goes, end to end: `bun bench/pieces.ts` (BENCH_RUNTIMES, BENCH_SECONDS,
 * BENCH_ROUNDS as for npm run bench). From the bare handler to the proxy one piece at a time, each its
 * own process under the same wrk load, alternating over the rounds; the medians of server CPU time
 * per request, and each step's share of the way from the ceiling to the proxy.
 *
 * The in-process bench (bench/in-process.ts) times app.fetch alone and never writes an answer to a
 * socket: it put a local hit at 3.0 µs against 1.3 µs for the bare handler, while end to end the
 * proxy costs about twice the ceiling. This separates what the answer costs on the wire (its body,
 * its headers) from the app's own steps and from the process around it (Redis connections,
 * heartbeats, invalidations).
 */

const options = benchOptions(process.env)
const KEYS = 10_000

interface Piece {
  label: string
  entry: string
  env: Record<string, string>
  path: string
  /** The proxy process: needs Redis, filled, and its local tier primed. */
  proxy?: true
}

const PIECES: Piece[] = [
  { label: 'bare Hono, small JSON (the ceiling)', entry: 'bench/bare-server.ts', env: { BARE_KIND: 'ceiling' }, path: '/?key=bench:' },
  { label: "+ a Map lookup and a local hit's body", entry: 'bench/bare-server.ts', env: { BARE_KIND: 'value' }, path: '/?key=bench:' },
  { label: "+ the proxy's 8 answer headers (securedJson)", entry: 'bench/bare-server.ts', env: { BARE_KIND: 'value-headers' }, path: '/?key=bench:' },
  { label: 'the proxy app without metrics (createApp), Redis stubbed', entry: 'bench/app-server.ts', env: { APP_KIND: 'no-metrics' }, path: '/v1/keys/bench:' },
  { label: '+ the rest of buildProxy: metrics, timed tiers, the coherence gate', entry: 'bench/app-server.ts', env: {}, path: '/v1/keys/bench:' },
  { label: 'the proxy process, Redis on this machine', entry: 'src/main.ts', env: { LOG_LEVEL: 'warn', LOCAL_CACHE: 'memory' }, path: '/v1/keys/bench:', proxy: true },
]

const redis = await startRedis()
await fillRedis(redis.port, KEYS, ['bench:'])
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

try {
  for (const runtime of options.runtimes) {
    const servers: ServerProcess[] = []
    for (const piece of PIECES) {
      const server = await startServer(runtime, piece.entry, { ...piece.env, ...(piece.proxy ? { REDIS_URL: `redis://127.0.0.1:${redis.port}` } : {}) })
      servers.push(server)
      if (piece.proxy) await prime(server.url, piece.path, KEYS)
    }
    const cpu = PIECES.map(() => [] as number[])
    const rps = PIECES.map(() => [] as number[])
    try {
      for (let round = 0; round <= options.rounds; round++) {
        for (const [i, piece] of PIECES.entries()) {
          const server = servers[i]!
          const seconds = round === 0 ? options.warmupSeconds : options.seconds
          const result = await runWrk({ url: server.url, script: 'get.lua', args: [piece.path, String(KEYS)], seconds, connections: options.connections, threads: options.threads, cpuSeconds: server.cpuSeconds })
          if (result.errors > 0) throw new Error(`${runtime} ${piece.label}: ${result.errors} errors`)
          if (round === 0) continue // warm-up
          cpu[i]!.push(result.cpuUsPerRequest)
          rps[i]!.push(result.requestsPerSecond)
        }
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()))
    }
    const medians = cpu.map(median)
    const ceiling = medians[0]!
    const whole = medians.at(-1)! - ceiling
    console.log(`\n${runtime}: ${options.rounds} rounds × ${options.seconds} s, wrk -t${options.threads} -c${options.connections}, medians`)
    console.log('| piece | req/s | CPU µs/req | ÷ ceiling | step, µs | share of the gap |')
    console.log('|---|---:|---:|---:|---:|---:|')
    for (const [i, piece] of PIECES.entries()) {
      const step = i === 0 ? 0 : medians[i]! - medians[i - 1]!
      const cells = [piece.label, Math.round(median(rps[i]!)).toLocaleString('en-US'), medians[i]!.toFixed(1), (medians[i]! / ceiling).toFixed(2), i === 0 ? '' : step.toFixed(1), i === 0 ? '' : `${Math.round((100 * step) / whole)}%`]
      console.log(`| ${cells.join(' | ')} |`)
    }
  }
} finally {
  await redis.stop()
}

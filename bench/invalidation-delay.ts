/**
 * How fast a change made elsewhere reaches a proxy's local tier, and what tracking costs on the
 * Redis path. Starts its own redis-server and proxy processes on free ports (127.0.0.1 only).
 *
 *   bun bench/invalidation-delay.ts [--writes 1000] [--seconds 2] [--rounds 3]
 *
 * 1. Delay: a key is cached on proxy B; another client SETs it straight in Redis; the delay is the
 *    time from the SET's reply to B's first answer with the new value (HTTP polling, keep-alive).
 * 2. Throughput (wrk): GETs over 10,000 keys with LOCAL_CAPACITY=1, so nearly every read takes the
 *    Redis path (GET and PTTL in one round trip), and PUTs with a second proxy running, whose
 *    invalidations Redis broadcasts; tracking on vs LOCAL_INVALIDATION=off, alternating, medians.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from '../test/harness/free-port.ts'
import { startRedis, type ServiceProcess } from '../test/harness/service-process.ts'
import { waitForPort } from '../test/harness/wait-for.ts'

const ROOT = join(import.meta.dir, '..')
const { values: args } = parseArgs({
  options: { writes: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' } },
})
const WRITES = Number(args.writes)
const SECONDS = Number(args.seconds)
const ROUNDS = Number(args.rounds)
const KEYS = 10_000

interface Proxy {
  url: string
  stop(): Promise<void>
}

async function startProxy(redis: ServiceProcess, env: Record<string, string> = {}): Promise<Proxy> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  process.once('exit', () => child.kill('SIGKILL'))
  await waitForPort(port)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function valueOn(proxy: Proxy, key: string): Promise<{ value?: string; source?: string }> {
  const res = await fetch(`${proxy.url}/v1/keys/${key}`)
  return (await res.json()) as { value?: string; source?: string }
}

async function measureDelays(redis: ServiceProcess): Promise<number[]> {
  const proxy = await startProxy(redis)
  const writer = new Redis({ port: redis.port, host: '127.0.0.1' })
  const delays: number[] = []
  try {
    for (let i = 0; i < WRITES; i++) {
      const key = `delay:${i % 50}`
      await writer.set(key, `old${i}`)
      // Twice: the first read fills B's local tier, the second must be a local hit.
      await valueOn(proxy, key)
      const cached = await valueOn(proxy, key)
      if (cached.source !== 'local' || cached.value !== `old${i}`) throw new Error(`not cached locally: ${JSON.stringify(cached)}`)
      await writer.set(key, `new${i}`)
      const written = performance.now()
      for (;;) {
        const seen = await valueOn(proxy, key)
        if (seen.value === `new${i}`) break
        if (performance.now() - written > 5000) throw new Error(`${key} still stale after 5 s`)
      }
      delays.push(performance.now() - written)
    }
  } finally {
    writer.disconnect()
    await proxy.stop()
  }
  return delays
}

/** Requests per second and the number of requests wrk made. */
function wrk(url: string, script: string): { rps: number; requests: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-invalidation-'))
  const file = join(dir, 'script.lua')
  writeFileSync(file, script)
  const run = spawnSync('wrk', ['-t1', '-c32', `-d${SECONDS}s`, '-s', file, url], { encoding: 'utf8' })
  rmSync(dir, { recursive: true, force: true })
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout)
  const requests = /(\d+) requests in/.exec(run.stdout)
  if (!rps || !requests) throw new Error(`wrk failed: ${run.stderr}${run.stdout}`)
  return { rps: Number(rps[1]), requests: Number(requests[1]) }
}

/** Commands Redis ran since the last call (CONFIG RESETSTAT and INFO excluded), and its CPU seconds so far. */
async function redisWork(inspector: Redis): Promise<{ commands: number; cpuSeconds: number }> {
  const stats = await inspector.info('commandstats')
  const cpu = await inspector.info('cpu')
  await inspector.config('RESETSTAT')
  let commands = 0
  for (const [, name, calls] of stats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) if (!/^(config|info)/.test(name!)) commands += Number(calls)
  const cpuSeconds = Number(/used_cpu_sys:([\d.]+)/.exec(cpu)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(cpu)?.[1])
  return { commands, cpuSeconds }
}

const readScript = `request = function() return wrk.format("GET", "/v1/keys/tp:" .. math.random(1, ${KEYS})) end`
const writeScript = `request = function()
  return wrk.format("PUT", "/v1/keys/tp:" .. math.random(1, ${KEYS}), {["Content-Type"] = "application/json"}, '{"value":"v' .. math.random(1, 1000000) .. '"}')
end`

interface PathFigures {
  rps: number
  commandsPerRequest: number
  /** Redis CPU time per request: what tracking costs Redis itself, less sensitive to a busy machine than req/s. */
  redisCpuMicros: number
}

async function measureThroughput(redis: ServiceProcess): Promise<Record<string, Record<'on' | 'off', PathFigures>>> {
  const inspector = new Redis({ port: redis.port, host: '127.0.0.1' })
  const pipeline = inspector.pipeline()
  for (let i = 1; i <= KEYS; i++) pipeline.set(`tp:${i}`, `value ${i}`, 'EX', 3000)
  await pipeline.exec()
  const paths = { 'redis-path GET': readScript, 'PUT, 2 proxies': writeScript }
  type Samples = { rps: number[]; perRequest: number[]; cpu: number[] }
  const samples: Record<string, Record<'on' | 'off', Samples>> = {}
  for (const name of Object.keys(paths)) samples[name] = { on: { rps: [], perRequest: [], cpu: [] }, off: { rps: [], perRequest: [], cpu: [] } }
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const env = { LOCAL_CAPACITY: '1', LOCAL_INVALIDATION: mode === 'on' ? 'tracking' : 'off' }
      const [proxy, other] = await Promise.all([startProxy(redis, env), startProxy(redis, env)])
      try {
        for (const [name, script] of Object.entries(paths)) {
          const before = await redisWork(inspector)
          const { rps, requests } = wrk(proxy.url, script)
          const after = await redisWork(inspector)
          samples[name]![mode].rps.push(rps)
          samples[name]![mode].perRequest.push(after.commands / requests)
          samples[name]![mode].cpu.push(((after.cpuSeconds - before.cpuSeconds) * 1e6) / requests)
        }
      } finally {
        await Promise.all([proxy.stop(), other.stop()])
      }
    }
  }
  inspector.disconnect()
  const figures = (sample: Samples) => ({ rps: median(sample.rps), commandsPerRequest: median(sample.perRequest), redisCpuMicros: median(sample.cpu) })
  return Object.fromEntries(Object.entries(samples).map(([name, { on, off }]) => [name, { on: figures(on), off: figures(off) }]))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const redis = await startRedis()
try {
  const delays = await measureDelays(redis)
  console.log(`invalidation delay over ${delays.length} writes straight to Redis (SET reply → proxy B answers the new value):`)
  console.log(`  median ${median(delays).toFixed(2)} ms   p99 ${percentile(delays, 99).toFixed(2)} ms   worst ${Math.max(...delays).toFixed(2)} ms`)
  const throughput = await measureThroughput(redis)
  console.log(`\nthroughput, wrk -t1 -c32 ${SECONDS}s, LOCAL_CAPACITY=1, median of ${ROUNDS} alternating rounds:`)
  console.log('  path               req/s tracking on          off   on/off   Redis commands/request on / off   Redis CPU µs/request on / off')
  for (const [name, { on, off }] of Object.entries(throughput)) {
    console.log(
      `  ${name.padEnd(18)} ${on.rps.toFixed(0).padStart(16)}  ${off.rps.toFixed(0).padStart(11)}   ${(on.rps / off.rps).toFixed(2).padStart(6)}` +
        `   ${on.commandsPerRequest.toFixed(2)} / ${off.commandsPerRequest.toFixed(2)}`.padEnd(33) +
        `   ${on.redisCpuMicros.toFixed(1)} / ${off.redisCpuMicros.toFixed(1)}`,
    )
  }
} finally {
  await redis.stop()
}
process.exit(0)

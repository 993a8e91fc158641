import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { startMemcached, startRedis, type ServiceProcess } from '../test/harness/service-process.ts'
import { CASES, forRuntime, SERVERS, WRITTEN, WRITTEN_REMOTE, type CaseSpec, type ServerId } from './cases.ts'
import { benchOptions } from './options.ts'
import { ROOT, runtimeArgv, runtimeVersion, startServer, type Runtime, type ServerProcess } from './processes.ts'
import { addRatios, memoryTable, summarize, table, type CaseResult, type MemoryTierResult } from './report.ts'
import { runWrk, type LoadResult } from './wrk.ts'
import { startDelayRelay, type DelayRelay } from './delay-relay.ts'
import { startWebdis } from './webdis.ts'
import { check, fillMemcached, fillRedis, prime } from './workload.ts'

/**
 * `npm run bench`: the proxy against a bare Hono handler and bare Redis/Memcached clients on the
 * same runtime, in one run, alternating cases over several rounds; see README "Performance".
 */

const options = benchOptions(process.env)
const log = (line: string) => process.stderr.write(`${line}\n`)

function requireTool(binary: string, hint: string): void {
  if (spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0) throw new Error(`${binary} is not installed; ${hint}`)
}

const cases = CASES.filter((c) => options.only.length === 0 || options.only.some((o) => c.id.includes(o) || c.id === 'ceiling' || c.rawBaseline?.includes(o)))
const baselineIds = new Set(cases.flatMap((c) => (c.rawBaseline ? [c.rawBaseline] : [])))
const selected = CASES.filter((c) => cases.includes(c) || (c.id === 'raw-ioredis' && baselineIds.has('ioredis')) || (c.id === 'raw-memjs' && baselineIds.has('memjs')))
const runs = selected.length * options.runtimes.length
const estimateSeconds = runs * (options.warmupSeconds + options.rounds * (options.seconds + 0.5)) + 20 * options.runtimes.length
log(
  `bench: ${selected.length} cases × ${options.runtimes.join('+')}, ${options.rounds} rounds × ${options.seconds} s after ${options.warmupSeconds} s warm-up, ` +
    `${options.connections} connections: about ${Math.ceil(estimateSeconds / 60)} min`,
)

requireTool('wrk', 'on Debian/Ubuntu: apt-get install -y wrk')
const memcached = await startMemcached()
const servers = new Map<string, ServerProcess>()
/**
 * Every server gets a Redis of its own, filled with the same keys. On one shared Redis each proxy's
 * tracking (BCAST) would get an invalidation for every write of every other case: during a PUT case
 * a dozen idle proxies would be handling the measured one's writes on the same two cores.
 */
const redises: ServiceProcess[] = []
const relays: DelayRelay[] = []
const relayOf = new Map<ServerProcess, DelayRelay>()
const results: CaseResult[] = []
const memoryTier: MemoryTierResult[] = []
const RELAY_DELAY_US = { delay: 500, 'zero-delay': 0 }
try {
  const neededServers = new Set<ServerId>(selected.map((c) => c.server))
  const filled = ['bench:', ...options.runtimes.flatMap((r) => [forRuntime(WRITTEN, r), forRuntime(WRITTEN_REMOTE, r)])]
  for (const runtime of options.runtimes) {
    for (const spec of SERVERS.filter((s) => neededServers.has(s.id))) {
      // Webdis is one C process, not per runtime: measured once, beside the first runtime's cases.
      if (spec.webdis && runtime !== options.runtimes[0]) continue
      const redis = await startRedis()
      redises.push(redis)
      await fillRedis(redis.port, options.keys, filled)
      const relay = spec.redisVia ? await startDelayRelay(redis.port, RELAY_DELAY_US[spec.redisVia]) : undefined
      if (relay) relays.push(relay)
      const redisPort = relay?.port ?? redis.port
      const server = spec.webdis
        ? await startWebdis(redisPort)
        : await startServer(runtime, spec.entry, {
            ...spec.env,
            REDIS_URL: `redis://127.0.0.1:${redisPort}`,
            MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}`,
          })
      servers.set(`${runtime}/${spec.id}`, server)
      if (relay) relayOf.set(server, relay)
      for (const path of spec.primePaths ?? []) await prime(server.url, forRuntime(path, runtime), options.keys, spec.primeHeaders)
    }
  }
  await fillMemcached(memcached.port, options.keys)
  const plan = options.runtimes.flatMap((runtime) => selected.flatMap((spec) => {
    const server = servers.get(`${runtime}/${spec.server}`)
    return server ? [{ runtime, spec, server }] : []
  }))
  for (const { runtime, spec, server } of plan) await check(spec, server.url, runtime)

  const load = (spec: CaseSpec, runtime: Runtime, server: ServerProcess, seconds: number) =>
    runWrk({ url: server.url, script: spec.script, args: spec.args(options.keys, runtime), headers: spec.headers, seconds, connections: options.connections, threads: options.threads, cpuSeconds: server.cpuSeconds, relayCpuSeconds: relayOf.get(server)?.cpuSeconds })
  log('warm-up…')
  for (const { spec, runtime, server } of plan) await load(spec, runtime, server, options.warmupSeconds)

  const measured = new Map(plan.map((p) => [p, { rounds: [] as LoadResult[], rss: [] as number[] }]))
  for (let round = 0; round < options.rounds; round++) {
    // Each round starts one case further on, so that no case always runs right after the same one.
    const order = plan.map((_, i) => plan[(i + round * 3) % plan.length]!)
    for (const entry of order) {
      const result = await load(entry.spec, entry.runtime, entry.server, options.seconds)
      if (result.errors > 0) throw new Error(`${entry.runtime} ${entry.spec.id}: ${result.errors} errors in ${result.requests} requests`)
      measured.get(entry)!.rounds.push(result)
      measured.get(entry)!.rss.push(entry.server.rssMb())
      log(`round ${round + 1}/${options.rounds} ${entry.runtime} ${entry.spec.id}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, ${result.cpuUsPerRequest.toFixed(1)} CPU µs/req`)
    }
  }
  for (const p of plan) results.push(summarize(p.spec, p.runtime, measured.get(p)!.rounds, measured.get(p)!.rss))
  addRatios(results)
} finally {
  await Promise.allSettled([...servers.values()].map((s) => s.stop()))
  for (const relay of relays) relay.stop()
  await Promise.allSettled([...redises.map((redis) => redis.stop()), memcached.stop()])
}

if (!options.skipMemoryTier) {
  for (const runtime of options.runtimes) {
    log(`memory tier, 1,000,000 keys, ${runtime}…`)
    const [command, ...args] = runtimeArgv(runtime, 'bench/memory-tier.ts', runtime === 'node' ? ['--expose-gc'] : [])
    const child = spawnSync(command!, args, { cwd: ROOT, encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`memory-tier on ${runtime} failed: ${child.stderr}`)
    memoryTier.push({ runtime, ...JSON.parse(child.stdout.trim().split('\n').at(-1)!) })
  }
}

const environment = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  runtimes: Object.fromEntries(options.runtimes.map((r) => [r, runtimeVersion(r)])),
  wrk: spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim(),
}
console.log(`\n${table(results)}\n`)
if (memoryTier.length > 0) console.log(`${memoryTable(memoryTier)}\n`)
console.log(
  `${environment.cpus} × ${environment.cpuModel}; ${Object.values(environment.runtimes).join(', ')}; ` +
    `wrk -t${options.threads} -c${options.connections}, ${options.rounds} rounds × ${options.seconds} s, medians`,
)
const outputFile = options.outputFile ?? join(ROOT, 'bench', 'results.json')
writeFileSync(outputFile, JSON.stringify({ environment, options, results, memoryTier }, null, 2) + '\n')
log(`wrote ${outputFile}`)

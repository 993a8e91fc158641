import { startMemcached, startRedis } from '../test/harness/service-process.ts'
import { CASES, forRuntime, SERVERS, WRITTEN } from './cases.ts'
import { startServer, type Runtime, type ServerProcess } from './processes.ts'
import { median } from './report.ts'
import { check, fillMemcached, fillRedis, prime } from './workload.ts'
import { runWrk, type LoadResult } from './wrk.ts'

/**
 * A/B of two checkouts on one bench case: `bun bench/ab.ts <dir A> <dir B> [runtime] [case] [rounds] [seconds]`.
 * Each directory is a copy of the project (e.g. `git archive <commit> | tar -x -C dir`, node_modules
 * linked in); both servers run at once on one Redis and Memcached and take turns under load, so the
 * machine's drift hits both alike. Prints medians of req/s and of CPU µs per request (from /proc).
 */

const [dirA, dirB, runtime = 'bun', caseId = 'local-memory', roundsArg = '7', secondsArg = '3'] = process.argv.slice(2) as [string, string, Runtime?, string?, string?, string?]
if (!dirA || !dirB) throw new Error('usage: bun bench/ab.ts <dir A> <dir B> [runtime] [case] [rounds] [seconds]')
const spec = CASES.find((c) => c.id === caseId)
const serverSpec = SERVERS.find((s) => s.id === spec?.server)
if (!spec || !serverSpec) throw new Error(`unknown case ${caseId}; one of ${CASES.map((c) => c.id).join(', ')}`)
const keys = 10_000

const redis = await startRedis()
const memcached = await startMemcached()
const servers: ServerProcess[] = []
try {
  await fillRedis(redis.port, keys, ['bench:', forRuntime(WRITTEN, runtime)])
  const env = { ...serverSpec.env, REDIS_URL: `redis://127.0.0.1:${redis.port}`, MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` }
  for (const dir of [dirA, dirB]) {
    const server = await startServer(runtime, serverSpec.entry, env, [], dir)
    servers.push(server)
    for (const path of serverSpec.primePaths ?? []) await prime(server.url, forRuntime(path, runtime), keys, serverSpec.primeHeaders)
  }
  await fillMemcached(memcached.port, keys)
  for (const server of servers) await check(spec, server.url, runtime)
  const load = (server: ServerProcess, seconds: number) =>
    runWrk({ url: server.url, script: spec.script, args: spec.args(keys, runtime), headers: spec.headers, seconds, connections: 64, threads: 2, cpuSeconds: server.cpuSeconds })
  for (const server of servers) await load(server, 2)
  const rounds: LoadResult[][] = [[], []]
  for (let round = 0; round < Number(roundsArg); round++) {
    // A B, then B A: neither always runs first.
    const order = round % 2 === 0 ? [0, 1] : [1, 0]
    for (const i of order) rounds[i]!.push(await load(servers[i]!, Number(secondsArg)))
  }
  const [a, b] = rounds.map((r) => ({ rps: median(r.map((x) => x.requestsPerSecond)), cpu: median(r.map((x) => x.cpuUsPerRequest)), p50: median(r.map((x) => x.p50Ms)) }))
  console.log(`${runtime} ${caseId}, ${roundsArg} rounds × ${secondsArg} s, medians`)
  console.log(`A ${dirA}: ${Math.round(a!.rps)} req/s, ${a!.cpu.toFixed(1)} CPU µs/req, p50 ${a!.p50.toFixed(2)} ms`)
  console.log(`B ${dirB}: ${Math.round(b!.rps)} req/s, ${b!.cpu.toFixed(1)} CPU µs/req, p50 ${b!.p50.toFixed(2)} ms`)
  console.log(`B ÷ A: ${(b!.rps / a!.rps).toFixed(2)} × req/s, ${(b!.cpu / a!.cpu).toFixed(2)} × CPU per request`)
} finally {
  await Promise.allSettled(servers.map((s) => s.stop()))
  await Promise.allSettled([redis.stop(), memcached.stop()])
}

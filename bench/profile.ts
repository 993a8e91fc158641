import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMemcached, startRedis } from '../test/harness/service-process.ts'
import { CASES, forRuntime, SERVERS, WRITTEN } from './cases.ts'
import { startServer, type Runtime } from './processes.ts'
import { check, fillMemcached, fillRedis, prime } from './workload.ts'
import { runWrk } from './wrk.ts'

/**
 * Profiles one bench case: `bun bench/profile.ts <bun|node> <case id> [seconds]`.
 * Runs the server with --cpu-prof under the case's load, stops it with SIGTERM so it writes the
 * profile, and prints the functions with the most self time (and the .cpuprofile path, for DevTools).
 */

const [runtime = 'node', caseId = 'local-memory', secondsArg = '5'] = process.argv.slice(2) as [Runtime?, string?, string?]
const spec = CASES.find((c) => c.id === caseId)
const serverSpec = SERVERS.find((s) => s.id === spec?.server)
if (!spec || !serverSpec) throw new Error(`unknown case ${caseId}; one of ${CASES.map((c) => c.id).join(', ')}`)
const keys = 10_000

const frameName = (frame: ProfileNode['callFrame']) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')}:${frame.lineNumber + 1}`

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

function busySamples(profile: Profile): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]))
  return profile.samples.filter((id) => byId.get(id) !== '(idle)' && byId.get(id) !== '(program)').length
}

/** Share of busy samples (not idle) per function: its own time (`self`) or with its callees (`inclusive`). */
function topFunctions(profile: Profile, mode: 'self' | 'inclusive', limit = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const counts = new Map<string, number>()
  let total = 0
  for (const id of profile.samples) {
    const top = byId.get(id)!.callFrame.functionName
    if (top === '(idle)' || top === '(program)') continue
    total++
    const names = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = mode === 'self' ? undefined : parent.get(at)) names.add(frameName(byId.get(at)!.callFrame))
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n')
}

const redis = await startRedis()
const memcached = await startMemcached()
try {
  await fillRedis(redis.port, keys, ['bench:', forRuntime(WRITTEN, runtime)])
  const dir = mkdtempSync(join(tmpdir(), 'cpu-prof-'))
  const server = await startServer(
    runtime,
    serverSpec.entry,
    { ...serverSpec.env, REDIS_URL: `redis://127.0.0.1:${redis.port}`, MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` },
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  )
  for (const path of serverSpec.primePaths ?? []) await prime(server.url, forRuntime(path, runtime), keys, serverSpec.primeHeaders)
  await fillMemcached(memcached.port, keys)
  await check(spec, server.url, runtime)
  const result = await runWrk({ url: server.url, script: spec.script, args: spec.args(keys, runtime), headers: spec.headers, seconds: Number(secondsArg), connections: 64, threads: 2, cpuSeconds: server.cpuSeconds })
  console.log(`${runtime} ${caseId}: ${Math.round(result.requestsPerSecond)} req/s, ${result.cpuUsPerRequest.toFixed(1)} CPU µs/req under the profiler`)
  await server.stop('SIGTERM')
  // Node writes one profile per thread: the server's is the busiest.
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ file: f, profile: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile }))
    .sort((a, b) => busySamples(b.profile) - busySamples(a.profile))
  const file = profiles[0]?.file
  if (!file) throw new Error(`no .cpuprofile in ${dir}`)
  const profile = profiles[0]!.profile
  console.log(`${join(dir, file)}\n\nself time (share of busy samples):\n${topFunctions(profile, 'self')}`)
  console.log(`\ninclusive time:\n${topFunctions(profile, 'inclusive')}`)
} finally {
  await Promise.allSettled([redis.stop(), memcached.stop()])
}

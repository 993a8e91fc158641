/**
 * What the request log costs: local-hit throughput with LOG_LEVEL=info against LOG_LEVEL=silent
 * (metrics stay on in both). Alternating rounds of wrk on 127.0.0.1, medians. Also the server's CPU
 * time per request (from /proc), which holds steadier than rps on a machine shared with other work.
 *   bun bench/logging-cost.ts [--seconds 5] [--rounds 3] [--baseline /other/checkout]
 * --baseline adds that checkout's server, run silent, e.g. a commit without the metrics middleware.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { freePort } from '../test/harness/free-port.ts'
import { startRedis } from '../test/harness/service-process.ts'
import { waitForPort } from '../test/harness/wait-for.ts'

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, baseline: { type: 'string' } } })
if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) throw new Error('wrk is not installed: apt-get install -y wrk')

const ROOT = `${import.meta.dir}/..`
const variants = [
  { name: 'LOG_LEVEL=silent', dir: ROOT, logLevel: 'silent' },
  { name: 'LOG_LEVEL=info', dir: ROOT, logLevel: 'info' },
  ...(args.baseline ? [{ name: `baseline silent (${args.baseline})`, dir: args.baseline, logLevel: 'silent' }] : []),
]

/** utime + stime of a process, in clock ticks (100 per second on Linux). */
const cpuTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

const redis = await startRedis()
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]))
const cpuPerRequest = new Map<string, number[]>(variants.map((v) => [v.name, []]))
try {
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const variant of variants) {
      const port = await freePort()
      // stdout to /dev/null: the cost measured is making and writing the lines, not a reader's speed.
      const server = spawn(process.execPath, ['src/main.ts'], {
        cwd: variant.dir,
        stdio: 'ignore',
        env: { PATH: process.env.PATH, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOG_LEVEL: variant.logLevel },
      })
      try {
        await waitForPort(port)
        const url = `http://127.0.0.1:${port}`
        await fetch(`${url}/set`, { method: 'POST', body: '{"bench":"a value of some forty bytes, like a small JSON"}', headers: { 'Content-Type': 'application/json' } })
        spawnSync('wrk', ['-t1', '-c32', '-d1s', `${url}/?key=bench`]) // warm-up
        const ticksBefore = cpuTicks(server.pid!)
        const out = spawnSync('wrk', ['-t2', '-c64', `-d${args.seconds}s`, `${url}/?key=bench`], { encoding: 'utf8' }).stdout
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
        const requests = Number(/(\d+) requests in/.exec(out)?.[1])
        const cpuMicros = ((cpuTicks(server.pid!) - ticksBefore) * 10_000) / requests
        results.get(variant.name)!.push(rps)
        cpuPerRequest.get(variant.name)!.push(cpuMicros)
        console.log(`round ${round + 1} ${variant.name}: ${Math.round(rps)} rps, ${cpuMicros.toFixed(1)} µs CPU per request`)
      } finally {
        server.kill('SIGKILL')
      }
    }
  }
} finally {
  await redis.stop()
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const silent = median(results.get('LOG_LEVEL=silent')!)
const silentCpu = median(cpuPerRequest.get('LOG_LEVEL=silent')!)
console.log('\n| variant | median rps | rps vs silent | CPU µs/request | CPU vs silent |\n|---|---|---|---|---|')
for (const [name, runs] of results) {
  const cpu = median(cpuPerRequest.get(name)!)
  console.log(`| ${name} | ${Math.round(median(runs))} | ${(median(runs) / silent).toFixed(2)} | ${cpu.toFixed(1)} | ${(cpu / silentCpu).toFixed(2)} |`)
}

import { spawn } from 'node:child_process'
import { join } from 'node:path'

/** What one wrk run measured. */
export interface LoadResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  requests: number
  /** Socket errors, timeouts and non-2xx/3xx answers: a correct run has none. */
  errors: number
  /** Server CPU time per request, in microseconds: steadier than req/s on a shared machine. */
  cpuUsPerRequest: number
  /** The delay relay's CPU time per request, when the server reaches Redis through one. */
  relayCpuUsPerRequest: number | undefined
}

export interface LoadOptions {
  url: string
  /** A script in bench/lua and the arguments after `--`. */
  script: 'get.lua' | 'mixed.lua'
  args: string[]
  /** `Name: value` headers on every request the script builds without its own (wrk -H). */
  headers?: readonly string[] | undefined
  seconds: number
  connections: number
  threads: number
  /** The server's CPU time so far, read before and after the run. */
  cpuSeconds: () => number
  relayCpuSeconds?: (() => number) | undefined
}

const LUA_DIR = join(import.meta.dir, 'lua')

/** Runs wrk once against 127.0.0.1 and reads the JSON line that the script's done() prints. */
export async function runWrk({ url, script, args, headers = [], seconds, connections, threads, cpuSeconds, relayCpuSeconds }: LoadOptions): Promise<LoadResult> {
  const argv = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '5s', ...headers.flatMap((h) => ['-H', h]), '-s', join(LUA_DIR, script), url, '--', ...args]
  const cpuBefore = cpuSeconds()
  const relayBefore = relayCpuSeconds?.()
  const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (out += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  const cpuUsed = cpuSeconds() - cpuBefore
  const relayUsed = relayCpuSeconds && relayBefore !== undefined ? relayCpuSeconds() - relayBefore : undefined
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
  if (code !== 0 || !line) throw new Error(`wrk ${argv.join(' ')} failed (exit ${code}): ${out}`)
  const r = JSON.parse(line.slice('BENCH_RESULT '.length))
  return {
    requestsPerSecond: r.requests / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    requests: r.requests,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts + r.badStatus,
    cpuUsPerRequest: (cpuUsed * 1e6) / r.requests,
    relayCpuUsPerRequest: relayUsed === undefined ? undefined : (relayUsed * 1e6) / r.requests,
  }
}

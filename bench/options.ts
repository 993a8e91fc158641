import type { Runtime } from './processes.ts'

/** What `npm run bench` does, from BENCH_* environment variables; defaults give the full run. */
export interface BenchOptions {
  /** Seconds of load per case and round. */
  seconds: number
  /** Seconds of load per case before the first round, not counted. */
  warmupSeconds: number
  /** Rounds over all cases, alternating; the table shows medians. */
  rounds: number
  connections: number
  threads: number
  runtimes: Runtime[]
  /** Only the cases whose id contains one of these (empty = all). */
  only: string[]
  keys: number
  /** Skip the 1,000,000-key memory-tier measurement. */
  skipMemoryTier: boolean
  outputFile: string | undefined
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, not ${raw}`)
  return value
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)
}

export function benchOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const runtimes = list(env.BENCH_RUNTIMES ?? 'bun,node')
  for (const runtime of runtimes) if (runtime !== 'bun' && runtime !== 'node') throw new Error(`BENCH_RUNTIMES: unknown runtime ${runtime}`)
  return {
    seconds: positive(env, 'BENCH_SECONDS', 10),
    warmupSeconds: positive(env, 'BENCH_WARMUP_SECONDS', 3),
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', 3)),
    connections: Math.round(positive(env, 'BENCH_CONNECTIONS', 64)),
    threads: Math.round(positive(env, 'BENCH_THREADS', 2)),
    runtimes: runtimes as Runtime[],
    only: list(env.BENCH_ONLY),
    keys: 10_000,
    skipMemoryTier: env.BENCH_SKIP_MEMORY_TIER === '1',
    outputFile: env.BENCH_OUTPUT,
  }
}

import { spawnSync } from 'node:child_process'

export interface PromtoolResult {
  status: number | null
  /** What promtool printed: problems and warnings, empty when it found none. */
  output: string
}

/** Runs Debian's promtool (package `prometheus`) with `args`, `input` on its stdin. */
export function promtool(args: string[], input?: string): PromtoolResult {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (apt-get install -y prometheus): ${run.error.message}`)
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { nodeProxyArgs } from '../test/harness/proxy-process.ts'
import { freePort } from '../test/harness/free-port.ts'
import { waitForPort } from '../test/harness/wait-for.ts'

export type Runtime = 'bun' | 'node'

export const ROOT = join(import.meta.dir, '..')

/** A server process under load: its address, its memory, and a way to stop it. */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  /** Resident set size now, in MB. */
  rssMb(): number
  /** CPU time the process has used so far (user + system, all threads), in seconds; Linux only, else NaN. */
  cpuSeconds: () => number
  /** SIGKILL by default; SIGTERM lets the server exit by itself (and write a profile). */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** How a TypeScript entry point is started on each runtime (bun is the one running this script); node takes it through tsx. */
export function runtimeArgv(runtime: Runtime, entry: string, flags: string[] = []): string[] {
  return runtime === 'bun' ? [process.execPath, ...flags, entry] : ['node', ...flags, '--import', 'tsx', entry]
}

/** How `entry` is started in `cwd`; the proxy on node as `npm run start:node` starts it (the harness's nodeProxyArgs). */
async function commandFor(runtime: Runtime, entry: string, flags: string[], cwd: string): Promise<string[]> {
  return runtime === 'node' && entry === 'src/main.ts' ? ['node', ...flags, ...(await nodeProxyArgs(cwd))] : runtimeArgv(runtime, entry, flags)
}

export function runtimeVersion(runtime: Runtime): string {
  const [command] = runtimeArgv(runtime, '')
  return `${runtime} ${spawnSync(command!, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '')}`
}

export function rssMbOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    if (match) return Number(match[1]) / 1024
  } catch {
    // no /proc here: ps below
  }
  return Number(spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()) / 1024
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/**
 * Starts `entry` on a runtime with only the given environment (plus PATH/HOME), on a free port.
 * stdout goes to /dev/null, as a request log shipped elsewhere would: the server still pays for writing it.
 */
export async function startServer(runtime: Runtime, entry: string, env: Record<string, string>, flags: string[] = [], cwd = ROOT): Promise<ServerProcess> {
  const port = await freePort()
  const [command, ...args] = await commandFor(runtime, entry, flags, cwd)
  const child: ChildProcess = spawn(command!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.once('exit', () => child.kill('SIGKILL'))
  const died = exited.then(() => {
    throw new Error(`${runtime} ${entry} exited before listening: ${stderr}`)
  })
  await Promise.race([waitForPort(port, 30_000), died])
  died.catch(() => {})
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    rssMb: () => rssMbOf(child.pid!),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await exited
    },
  }
}

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { freshNodeBundle, NODE_BUNDLE } from '../../scripts/build-node.mjs'
import { freePort } from './free-port.ts'

export type Runtime = 'bun' | 'node'

export const ROOT = join(import.meta.dir, '..', '..')

/** The proxy started as users start it (`npm start`: `bun src/main.ts`; `npm run start:node`: the bundle prestart:node builds, on node). */
export interface ProxyProcess {
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  /** Everything the process wrote to stdout so far. */
  output(): string
  /** Sends a signal and waits for the exit code. */
  signal(signal: NodeJS.Signals): Promise<number | null>
  stop(): Promise<void>
}

async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)
  return res?.status === 200
}

/** What `npm run start:node` gives node in `cwd` (package.json): the bundle, built first if its inputs changed since. */
export async function nodeProxyArgs(cwd = ROOT): Promise<string[]> {
  await freshNodeBundle(cwd)
  return ['--enable-source-maps', NODE_BUNDLE]
}

/** What `npm start` / `npm run start:node` run in `cwd`. */
export async function runtimeCommand(runtime: Runtime, cwd = ROOT): Promise<string[]> {
  return runtime === 'bun' ? [process.execPath, 'src/main.ts'] : ['node', ...(await nodeProxyArgs(cwd))]
}

/**
 * The staleness bound a proxy started here gets unless the test sets its own. The default (100 ms)
 * sends a read to Redis whenever the newest heartbeat is older than that, which is right, but on a
 * loaded 2-core machine running two test files at once the proxy's event loop stalls that long now
 * and then, and a test asserting a local hit (the seed's "Key found in local cache") would flake.
 * Tests about coherence (no stale read, freshness after a fault) spread SHIPPED_STALENESS_BOUND.
 */
export const TEST_MAX_STALENESS_MS = '2000'

/** The bound the proxy ships with (MAX_STALENESS_MS's default), for tests about coherence. */
export const SHIPPED_STALENESS_BOUND = { MAX_STALENESS_MS: '100' } as const

/** `cwd`: another copy of the project (the first-run tests use a fresh one). */
export async function startProxy(runtime: Runtime, env: Record<string, string>, timeoutMs = 20_000, { cwd = ROOT }: { cwd?: string } = {}): Promise<ProxyProcess> {
  const port = await freePort()
  const [command, ...args] = await runtimeCommand(runtime, cwd)
  const child = spawn(command!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', MAX_STALENESS_MS: TEST_MAX_STALENESS_MS, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  process.once('exit', () => child.kill('SIGKILL'))

  const deadline = Date.now() + timeoutMs
  // The log line when it is logged (LOG_LEVEL info or debug), else the health check.
  const listening = async () => stdout.includes('"msg":"listening"') || (env.LOG_LEVEL !== undefined && env.LOG_LEVEL !== 'info' && env.LOG_LEVEL !== 'debug' && (await healthy(port)))
  while (!(await listening())) {
    if (child.exitCode !== null) throw new Error(`the ${runtime} proxy exited with ${child.exitCode}: ${stderr}${stdout}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the ${runtime} proxy did not start within ${timeoutMs} ms: ${stderr}${stdout}`)
    }
    await Bun.sleep(20)
  }
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null) child.kill(name)
    return exited
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => stdout,
    signal,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
  }
}

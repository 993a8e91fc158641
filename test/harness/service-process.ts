import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { waitForPort } from './wait-for.ts'

/** A throw-away server process the tests own: they can kill, freeze, resume and restart it. */
export interface ServiceProcess {
  readonly port: number
  readonly dir: string
  /** SIGKILL: the process dies at once, as in a crash. */
  kill(): Promise<void>
  /** SIGSTOP: the process hangs with its sockets open; returns once every thread of it is stopped. */
  freeze(): void
  /** SIGCONT after freeze. */
  resume(): void
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>
  /** Stops it for good and removes its files. */
  stop(): Promise<void>
}

export interface ServiceSpec {
  /** A fixed port (e.g. one a proxy already points at); a free one otherwise. */
  port?: number
  binary: string
  installHint: string
  args: (port: number, dir: string) => string[]
}

function requireBinary(binary: string, installHint: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0
  if (!found) throw new Error(`${binary} is not installed; the tests need a real one. Install it with: ${installHint}`)
}

/** Free ports tried in turn: another process may bind a free port (or a Cluster node's bus port, +10000) before the server does. */
const PORT_ATTEMPTS = 5

export async function startService({ port: fixedPort, binary, installHint, args }: ServiceSpec): Promise<ServiceProcess> {
  requireBinary(binary, installHint)
  let port = fixedPort ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), `${binary}-`))
  let child: ChildProcess | undefined

  /** Starts the server on `port`; rejects when it exits first (its port was taken), so that no other process's listener is taken for it. */
  const launch = async () => {
    const started = spawn(binary, args(port, dir), { stdio: 'ignore', cwd: dir })
    child = started
    const exited = new Promise<never>((_, reject) => started.once('exit', (code, signal) => reject(new ServiceExited(`${binary} on port ${port} exited at start (${signal ?? code})`))))
    exited.catch(() => {})
    await Promise.race([waitForPort(port), exited])
    if (started.exitCode !== null || started.signalCode !== null) throw new ServiceExited(`${binary} on port ${port} exited at start`)
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await launch()
      break
    } catch (error) {
      if (!(error instanceof ServiceExited) || fixedPort !== undefined || attempt >= PORT_ATTEMPTS) {
        child?.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
      port = await freePort()
    }
  }
  const waitExit = async () => {
    const current = child
    if (!current || current.exitCode !== null || current.signalCode !== null) return
    await new Promise<void>((resolve) => current.once('exit', () => resolve()))
  }
  const killNow = async () => {
    child?.kill('SIGCONT')
    child?.kill('SIGKILL')
    await waitExit()
  }

  process.once('exit', () => child?.kill('SIGKILL'))
  return {
    port,
    dir,
    kill: killNow,
    freeze: () => {
      if (!child?.pid) return
      child.kill('SIGSTOP')
      untilStopped(child.pid)
    },
    resume: () => void child?.kill('SIGCONT'),
    restart: launch,
    async stop() {
      await killNow()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The server process ended before it listened: with a port that was free a moment ago, most likely taken meanwhile. */
class ServiceExited extends Error {}

/**
 * SIGSTOP is delivered asynchronously: a thread running on another CPU can still answer a request
 * sent right after kill() (seen: a Memcached read succeeding 2 ms after freeze()). Waits, synchronously
 * and at most a second, until /proc shows every thread of the process stopped (state T).
 */
function untilStopped(pid: number): void {
  const deadline = performance.now() + 1000
  const stopped = () => {
    try {
      return readdirSync(`/proc/${pid}/task`).every((task) => {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T'
      })
    } catch {
      return true // no /proc (not Linux) or the process is gone: nothing to wait for
    }
  }
  while (!stopped()) {
    if (performance.now() > deadline) throw new Error(`process ${pid} did not stop within 1 s of SIGSTOP`)
  }
}

/** A redis-server on a free port, no persistence unless `extraArgs` asks for it. */
export function startRedis(extraArgs: string[] = [], port?: number): Promise<ServiceProcess> {
  return startService({
    port,
    binary: 'redis-server',
    installHint: 'apt-get install -y redis-server',
    args: (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extraArgs],
  })
}

/** A memcached on a free port; `extraArgs` e.g. `['-I', '512k']` for a smaller item limit. */
export function startMemcached(extraArgs: string[] = []): Promise<ServiceProcess> {
  return startService({
    binary: 'memcached',
    installHint: 'apt-get install -y memcached',
    args: (port) => ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-m', '64', ...(process.getuid?.() === 0 ? ['-u', 'root'] : []), ...extraArgs],
  })
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
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
  /** SIGSTOP: the process hangs with its sockets open. */
  freeze(): void
  /** SIGCONT after freeze. */
  resume(): void
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>
  /** Stops it for good and removes its files. */
  stop(): Promise<void>
}

interface ServiceSpec {
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

async function startService({ port: fixedPort, binary, installHint, args }: ServiceSpec): Promise<ServiceProcess> {
  requireBinary(binary, installHint)
  const port = fixedPort ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), `${binary}-`))
  let child: ChildProcess | undefined

  const launch = async () => {
    child = spawn(binary, args(port, dir), { stdio: 'ignore', cwd: dir })
    await waitForPort(port)
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

  await launch()
  process.once('exit', () => child?.kill('SIGKILL'))
  return {
    port,
    dir,
    kill: killNow,
    freeze: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    restart: launch,
    async stop() {
      await killNow()
      rmSync(dir, { recursive: true, force: true })
    },
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

/** A memcached on a free port. */
export function startMemcached(): Promise<ServiceProcess> {
  return startService({
    binary: 'memcached',
    installHint: 'apt-get install -y memcached',
    args: (port) => ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-m', '64', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])],
  })
}

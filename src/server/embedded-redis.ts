import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort as kernelFreePort } from './free-port.ts'
import { readFrom, startPrivateServer, type PrivateServerStart } from './private-server.ts'
import { StartupError } from './startup-error.ts'
import { COMMAND_NOT_FOUND, WatchedChildExit, type Spawn } from './watched-child.ts'

/** A redis-server this process started for itself, with its data on disk. */
export interface EmbeddedRedis {
  readonly url: string
  readonly pid: number
  /** Resolves with the exit code if it stops (or is stopped). */
  readonly exited: Promise<number>
  /** Shuts it down (its AOF flushed) and waits for it to exit. */
  stop(): Promise<void>
}

export interface EmbeddedRedisOptions {
  /** Absolute path of the data directory (made if missing). */
  dataDir: string
  /** The directory as messages name it, e.g. `.data/redis`. */
  displayDir?: string
  readyTimeoutMs?: number
  /** How long a redis-server still running on `dataDir` (a proxy stopping) is waited for before refusing. */
  previousExitWaitMs?: number
  spawn?: Spawn
  freePort?: () => Promise<number>
}

/** No redis-server on PATH: the caller says what else the user can do. */
export class RedisServerNotFound extends StartupError {}

const PORT_ATTEMPTS = 3

/**
 * Starts `redis-server` from PATH on a free loopback port, with append-only persistence in `dataDir`:
 * `appendfsync everysec`, Redis' default, because every acknowledged write is already in the
 * kernel's page cache (a crash of Redis or of the proxy loses nothing); only a crash of the machine
 * can lose the last second, which a first-run store can afford and `always` would pay for with an
 * fsync per write. Resolves once it answers PING; throws a StartupError with a one-line reason.
 */
export async function startEmbeddedRedis({ dataDir, displayDir = dataDir, readyTimeoutMs = 20_000, previousExitWaitMs = 5_000, spawn, freePort = kernelFreePort }: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  prepareDataDir(dataDir, displayDir)
  const pidFile = join(dataDir, 'redis.pid')
  const logFile = join(dataDir, 'redis.log')
  await waitForPreviousServer(pidFile, displayDir, previousExitWaitMs)

  let started: PrivateServerStart
  try {
    started = await startPrivateServer({ command: 'redis-server', args: (port) => serverArgs(port, dataDir, pidFile, logFile), freePort, attempts: PORT_ATTEMPTS, readyTimeoutMs, logFile, watch: { cwd: dataDir, spawn } })
  } catch (error) {
    if (error instanceof WatchedChildExit && error.code === COMMAND_NOT_FOUND) throw new RedisServerNotFound('redis-server is not on PATH')
    throw error
  }
  if (started.outcome === 'ready') {
    const { child, port } = started
    return { url: `redis://127.0.0.1:${port}`, pid: child.pid, exited: child.exited, stop: () => child.stop() }
  }
  throw new StartupError(
    started.outcome === 'exited'
      ? `The embedded redis-server exited at start: ${lastLine(started.said) || 'no reason given'} (see ${displayDir}/redis.log); fix it, or set REDIS_URL to use another Redis.`
      : `The embedded redis-server did not answer within ${readyTimeoutMs} ms (see ${displayDir}/redis.log); set REDIS_URL to use another Redis.`,
  )
}

function serverArgs(port: number, dataDir: string, pidFile: string, logFile: string): string[] {
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--daemonize', 'no'],
    ...['--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    ...['--pidfile', pidFile, '--logfile', logFile],
  ]
}

function prepareDataDir(dataDir: string, displayDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true })
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK)
  } catch (error) {
    // "EACCES: permission denied, mkdir '/abs/path'": the part before the path.
    const why = error instanceof Error ? error.message.split(',')[0] : String(error)
    throw new StartupError(`Cannot use ${displayDir} for the embedded Redis's data (${why}): make it a directory this user can write, or set REDIS_URL to use another Redis.`)
  }
}

/**
 * A redis-server still running on this data directory (a proxy that is stopping, or another one
 * started from here) must not share its AOF: wait a moment for it to go, then refuse.
 */
async function waitForPreviousServer(pidFile: string, displayDir: string, waitMs: number): Promise<void> {
  const pid = Number(readFrom(pidFile, 0).trim())
  if (!Number.isInteger(pid) || pid <= 0) return
  const deadline = Date.now() + waitMs
  while (isRedisServer(pid)) {
    if (Date.now() > deadline) {
      throw new StartupError(`${displayDir} is in use by redis-server pid ${pid} (another proxy started from this directory?): stop it, or set REDIS_URL to use another Redis.`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function isRedisServer(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')
  } catch {
    return true // no /proc (macOS): a live process under the pid Redis wrote is taken for it
  }
}

/** The last line said, without Redis' "pid:role date time level" prefix. */
function lastLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean)
  return (lines.at(-1) ?? '').replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [#*.-] /, '')
}

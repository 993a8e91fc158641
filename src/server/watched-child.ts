import { spawn as spawnProcess, type ChildProcess, type SpawnOptions } from 'node:child_process'

/**
 * Runs a command under a small sh watchdog that stops it (SIGTERM) when its stdin closes. The proxy
 * holds the other end of that pipe, and the kernel closes it however the proxy exits: a clean stop,
 * an uncaught error, SIGKILL. So a private redis-server or memcached never outlives its proxy.
 * The watchdog prints the command's pid on stdout; the command's own output goes to stderr.
 * Exit code 127 means the command is not on PATH.
 */
const WATCHDOG = `
command -v "$1" >/dev/null 2>&1 || exit 127
exec 3<&0
"$@" </dev/null >&2 &
child=$!
echo "$child"
{ read -r _ <&3; kill -TERM "$child" 2>/dev/null; } &
watcher=$!
wait "$child"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`

const OUTPUT_KEPT = 4096

/** Exit code of the watchdog when the command is not found on PATH. */
export const COMMAND_NOT_FOUND = 127

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess

export interface WatchedChild {
  /** The pid of the command itself (not of the watchdog). */
  readonly pid: number
  /** Resolves with the exit code once the command has exited (127: not on PATH). */
  readonly exited: Promise<number>
  /** The last few KiB the command wrote (stdout and stderr), for error messages. */
  output(): string
  /** Stops the command (SIGTERM) and waits until it has exited; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
}

export interface WatchOptions {
  cwd?: string
  /** How to start a process; `node:child_process` spawn by default (tests pass their own). */
  spawn?: Spawn
}

/** Starts `command` under the watchdog; rejects when it is not on PATH or exits before it runs. */
export async function startWatched(command: string, args: readonly string[], { cwd, spawn = spawnProcess }: WatchOptions = {}): Promise<WatchedChild> {
  // Detached: a Ctrl-C in the terminal reaches the proxy, which then stops the command after draining.
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'watchdog', command, ...args], { cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  watchdog.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT)
  })
  const exited = new Promise<number>((resolve) => {
    watchdog.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    watchdog.once('error', () => resolve(COMMAND_NOT_FOUND))
  })
  const pid = await new Promise<number | undefined>((resolve) => {
    let text = ''
    watchdog.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const line = /^(\d+)\n/.exec(text)
      if (line) resolve(Number(line[1]))
    })
    void exited.then(() => resolve(undefined))
  })
  if (pid === undefined) throw new WatchedChildExit(command, await exited)

  let stopping: Promise<void> | undefined
  return {
    pid,
    exited,
    output: () => output,
    stop(timeoutMs = 10_000) {
      stopping ??= (async () => {
        watchdog.stdin?.end()
        let timer: ReturnType<typeof setTimeout> | undefined
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
        if ((await Promise.race([exited, late])) === 'late') {
          killQuietly(pid)
          await exited
        }
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}

/** The command exited (or was not found) before it could run. */
export class WatchedChildExit extends Error {
  constructor(
    readonly command: string,
    readonly code: number,
  ) {
    super(code === COMMAND_NOT_FOUND ? `${command} is not on PATH` : `${command} exited with code ${code}`)
    this.name = 'WatchedChildExit'
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

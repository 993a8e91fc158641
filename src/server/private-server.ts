import { readFileSync, statSync } from 'node:fs'
import { answersPing } from './redis-probe.ts'
import { startWatched, type WatchedChild, type WatchOptions } from './watched-child.ts'

/** A server this process starts for itself (a private redis-server or memcached) on a free loopback port. */
export interface PrivateServerSpec {
  command: string
  args: (port: number) => string[]
  freePort: () => Promise<number>
  /** Free ports tried in turn: another process may take one before the server binds it. */
  attempts: number
  readyTimeoutMs: number
  /** A file the server logs to: what it adds there during a failed start joins its output. */
  logFile?: string
  watch?: WatchOptions
}

export type PrivateServerStart = { outcome: 'ready'; child: WatchedChild; port: number } | { outcome: 'exited' | 'timeout'; said: string }

/**
 * Starts the server under the watchdog (startWatched) and waits until it answers a PING. A server
 * that exits because its port was taken meanwhile ("address already in use") is started again on
 * another port; any other failure is returned with what the server said, the server stopped.
 * Throws WatchedChildExit when the command is not on PATH.
 */
export async function startPrivateServer({ command, args, freePort, attempts, readyTimeoutMs, logFile, watch }: PrivateServerSpec): Promise<PrivateServerStart> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const logStart = logFile === undefined ? 0 : sizeOf(logFile)
    const child = await startWatched(command, args(port), watch)
    const outcome = await untilAnswering(`redis://127.0.0.1:${port}`, child, readyTimeoutMs)
    if (outcome === 'ready') return { outcome, child, port }
    const said = logFile === undefined ? child.output() : `${child.output()}\n${readFrom(logFile, logStart)}`
    await child.stop()
    if (outcome === 'exited' && /address already in use/i.test(said) && attempt < attempts) continue
    return { outcome, said }
  }
}

/**
 * Waits until `child`, just started to serve `url`, answers a PING: 'exited' as soon as it exits
 * (its port taken, a bad setting), 'timeout' after `timeoutMs`. Any answer counts (memcached says ERROR).
 */
async function untilAnswering(url: string, child: WatchedChild, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  let exited = false
  void child.exited.then(() => (exited = true))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited) return 'exited'
    if (await answersPing(url, 250)) return 'ready'
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return 'timeout'
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** What the file holds from byte `start` on (its last 4 KiB at most); empty when it cannot be read. */
export function readFrom(file: string, start: number): string {
  try {
    return readFileSync(file).subarray(start).toString('utf8').slice(-4096)
  } catch {
    return ''
  }
}

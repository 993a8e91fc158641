import { connect } from 'node:net'
import type { WatchedChild } from './watched-child.ts'

/**
 * Whether something answers a PING at host:port within `timeoutMs`: a refused or silent port is
 * "nothing there". Any reply counts, an error (NOAUTH) included: that is a Redis, just not ours to
 * replace, and the client's own error then says what is wrong.
 */
export function answersPing(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) })
    const done = (answered: boolean) => {
      socket.destroy()
      resolve(answered)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', () => done(true))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}

/**
 * Waits until `child`, just started to serve `url`, answers a PING: 'exited' as soon as it exits
 * (its port taken, a bad setting), 'timeout' after `timeoutMs`. Any answer counts (memcached says ERROR).
 */
export async function untilAnswering(url: string, child: WatchedChild, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
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

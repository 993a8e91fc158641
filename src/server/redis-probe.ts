import { connect } from 'node:net'

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

import { connect } from 'node:net'

/** One HTTP/1.1 answer as it came over the socket. */
export interface RawAnswer {
  readonly status: number
  readonly head: string
  readonly body: string
}

/** Splits what a server wrote into its answers (Content-Length framed; a body without one runs to the end). */
export function parseAnswers(bytes: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = []
  let rest = bytes
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n')
    if (headEnd === -1) break
    const head = rest.subarray(0, headEnd).toString('latin1')
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1]
    const bodyEnd = length === undefined ? rest.length : headEnd + 4 + Number(length)
    answers.push({ status: Number(head.split(' ')[1]), head, body: rest.subarray(headEnd + 4, bodyEnd).toString('utf8') })
    rest = rest.subarray(bodyEnd)
  }
  return answers
}

/**
 * Writes `request` (raw bytes, one request or several pipelined) and collects the answers until
 * `expected` answers are complete, the server closes, or `timeoutMs` passes.
 */
export function rawRequest(port: number, request: string | Buffer, { expected = 1, timeoutMs = 5_000 } = {}): Promise<{ answers: RawAnswer[]; closed: boolean; raw: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let closed = false
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const bytes = Buffer.concat(chunks)
      resolve({ answers: parseAnswers(bytes), closed, raw: bytes.toString('latin1') })
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('data', (data) => {
      chunks.push(data)
      const answers = parseAnswers(Buffer.concat(chunks))
      const last = answers.at(-1)
      if (answers.length >= expected && last && /\r\ncontent-length:/i.test(last.head) && Buffer.byteLength(last.body) >= Number(/\r\ncontent-length:\s*(\d+)/i.exec(last.head)![1])) finish()
    })
    socket.on('end', () => {
      closed = true
      finish()
    })
    socket.on('error', () => {
      closed = true
      finish()
    })
    socket.on('connect', () => socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request))
  })
}

import { connect, type Socket } from 'node:net'

/** One answer of the meta protocol: its status (`VA`, `HD`, `EN`, `NF`, `EX`, `NS`, `MN`, `SERVER_ERROR`), its flags, its value. */
export interface MetaReply {
  readonly status: string
  /** Return flags (`c123`, `W`, `Z`…), or the words of a SERVER_ERROR's message. */
  readonly flags: readonly string[]
  /** The data block of a `VA` answer. */
  readonly value?: Buffer
}

export interface MetaClientOptions {
  host: string
  port: number
  /** A request unanswered for this long tears the connection down and fails every request on it. */
  timeoutMs: number
  now?: () => number
}

interface Waiter {
  readonly resolve: (reply: MetaReply) => void
  readonly reject: (error: Error) => void
  readonly sentAt: number
}

const CRLF = Buffer.from('\r\n')

/** The connection failed (refused, reset, closed, stalled): `code` is the socket's, as errors.ts classifies them. */
export class MemcachedConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'MemcachedConnectionError'
  }
}

/**
 * A client for the few commands of memcached's meta protocol the shared tier needs (mg, ms, md, ma, mn),
 * on one connection per server. Requests made in the same turn of the event loop go out in one write,
 * and answers come back in request order (no `q` flag is ever sent, so every request gets one answer).
 */
export class MetaClient {
  readonly address: string
  private readonly host: string
  private readonly port: number
  private readonly timeoutMs: number
  private readonly now: () => number
  private socket: Socket | undefined
  private readonly waiting: Waiter[] = []
  private outgoing: Buffer[] = []
  private flushQueued = false
  private received: Buffer = Buffer.alloc(0)
  private timer: ReturnType<typeof setInterval> | undefined
  private closed = false

  constructor({ host, port, timeoutMs, now = () => performance.now() }: MetaClientOptions) {
    this.host = host
    this.port = port
    this.address = `${host}:${port}`
    this.timeoutMs = timeoutMs
    this.now = now
  }

  /** Sends one command line (and its data block, for `ms`) and resolves with its answer. */
  request(line: string, data?: Buffer): Promise<MetaReply> {
    if (this.closed) return Promise.reject(new Error(`The memcached client for ${this.address} is closed.`))
    this.socket ??= this.open()
    return new Promise<MetaReply>((resolve, reject) => {
      this.waiting.push({ resolve, reject, sentAt: this.now() })
      this.outgoing.push(Buffer.from(`${line}\r\n`, 'latin1'))
      if (data) this.outgoing.push(data, CRLF)
      if (!this.flushQueued) {
        this.flushQueued = true
        queueMicrotask(() => this.flush())
      }
      this.timer ??= setInterval(() => this.expire(), Math.max(5, Math.round(this.timeoutMs / 4)))
      this.timer.unref?.()
    })
  }

  close(): void {
    this.closed = true
    this.fail(new Error(`The memcached client for ${this.address} is closed.`))
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port })
    socket.setNoDelay(true)
    socket.setKeepAlive(true)
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onData(chunk)
    })
    socket.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? 'ECONNRESET'
      if (socket === this.socket) this.fail(new MemcachedConnectionError(`memcached ${this.address}: ${error.message}`, code, { cause: error }))
    })
    socket.on('close', () => {
      if (socket === this.socket) this.fail(new MemcachedConnectionError(`memcached ${this.address} closed the connection.`, 'ECONNRESET'))
    })
    return socket
  }

  private flush(): void {
    this.flushQueued = false
    if (this.outgoing.length === 0 || !this.socket) return
    const chunks = this.outgoing
    this.outgoing = []
    this.socket.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk])
    for (;;) {
      const lineEnd = this.received.indexOf(CRLF)
      if (lineEnd < 0) return
      const words = this.received.toString('latin1', 0, lineEnd).split(' ')
      const status = words[0]!
      let consumed = lineEnd + 2
      let value: Buffer | undefined
      if (status === 'VA') {
        const size = Number(words[1])
        if (this.received.length < consumed + size + 2) return
        value = Buffer.from(this.received.subarray(consumed, consumed + size))
        consumed += size + 2
      }
      this.received = this.received.subarray(consumed)
      const waiter = this.waiting.shift()
      if (!waiter) {
        this.fail(new Error(`memcached ${this.address} sent an answer nobody asked for.`))
        return
      }
      if (status === 'ERROR' || status === 'CLIENT_ERROR') waiter.reject(new Error(`memcached ${this.address} refused a request: ${words.join(' ')}`))
      else waiter.resolve({ status, flags: words.slice(status === 'VA' ? 2 : 1), value })
    }
  }

  /** The oldest request is the first to expire: past its deadline the connection is presumed stalled. */
  private expire(): void {
    const oldest = this.waiting[0]
    if (!oldest) {
      clearInterval(this.timer)
      this.timer = undefined
      return
    }
    if (this.now() - oldest.sentAt >= this.timeoutMs) this.fail(new MemcachedConnectionError(`memcached ${this.address} did not answer within ${this.timeoutMs} ms.`, 'ETIMEDOUT'))
  }

  /** Drops the connection (the next request opens a new one) and fails every request still waiting on it. */
  private fail(error: Error): void {
    this.socket?.destroy()
    this.socket = undefined
    this.received = Buffer.alloc(0)
    this.outgoing = []
    for (const waiter of this.waiting.splice(0)) waiter.reject(error)
    clearInterval(this.timer)
    this.timer = undefined
  }
}

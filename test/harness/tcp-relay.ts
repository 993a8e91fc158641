import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { eventually } from './wait-for.ts'

const SEEN_CHARS = 4096

/**
 * One direction of a relayed connection. Bytes pass through at once unless held; held bytes are kept
 * as the chunks they arrived in (one read from the socket, in practice one TCP segment), in order.
 */
export class RelayDirection {
  private held = false
  private readonly chunks: Buffer[] = []
  private seen = ''

  constructor(private readonly to: Socket) {}

  /** Chunks held back so far. */
  get heldChunks(): number {
    return this.chunks.length
  }

  /** What the held chunks say, for a test that waits for a particular command. */
  get heldText(): string {
    return Buffer.concat(this.chunks).toString('latin1')
  }

  /** The first few KB that came this way (held or not), to tell connections apart (e.g. the one that sent SUBSCRIBE). */
  get seenText(): string {
    return this.seen
  }

  /** Keeps every byte from now on, until released. */
  hold(): void {
    this.held = true
  }

  /** Sends the oldest `count` held chunks and keeps holding the rest (and what comes later). */
  releaseChunks(count = 1): void {
    for (const chunk of this.chunks.splice(0, count)) this.to.write(chunk)
  }

  /** Sends everything held and passes bytes through again. */
  release(): void {
    this.held = false
    this.releaseChunks(this.chunks.length)
  }

  /** Resolves once at least `count` chunks are held. */
  untilHeld(count = 1, timeoutMs = 5000): Promise<void> {
    return eventually(() => this.chunks.length >= count, `${count} held chunk(s)`, timeoutMs, 1)
  }

  pass(chunk: Buffer): void {
    if (this.seen.length < SEEN_CHARS) this.seen += chunk.toString('latin1', 0, SEEN_CHARS - this.seen.length)
    if (this.held) this.chunks.push(chunk)
    else this.to.write(chunk)
  }
}

/** A client connection through the relay: `up` carries client → server bytes, `down` server → client. */
export interface RelayedConnection {
  readonly up: RelayDirection
  readonly down: RelayDirection
  /** Ends both sides at once (RST), as a dropped network path does. */
  reset(): void
}

/**
 * A TCP relay on 127.0.0.1 in front of `targetPort`: everything passes through until a test holds
 * one direction of one connection (or of all of them), so late segments and stalled connections
 * happen exactly when the test says. Holding never closes a socket: a held connection looks alive.
 */
export interface TcpRelay {
  readonly port: number
  /** Every connection accepted so far, oldest first (closed ones included). */
  readonly connections: readonly RelayedConnection[]
  /** Resolves once `count` connections were accepted. */
  untilConnections(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startTcpRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpRelay> {
  const connections: RelayedConnection[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const target = createConnection({ port: targetPort, host: targetHost })
    client.setNoDelay(true)
    target.setNoDelay(true)
    const up = new RelayDirection(target)
    const down = new RelayDirection(client)
    for (const socket of [client, target]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.on('data', (chunk: Buffer) => up.pass(chunk))
    target.on('data', (chunk: Buffer) => down.pass(chunk))
    client.on('close', () => target.destroy())
    target.on('close', () => client.destroy())
    connections.push({
      up,
      down,
      reset() {
        client.resetAndDestroy()
        target.resetAndDestroy()
      },
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as { port: number }
  return {
    port,
    connections,
    untilConnections: (count, timeoutMs = 5000) => eventually(() => connections.length >= count, `${count} relayed connection(s)`, timeoutMs, 1),
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

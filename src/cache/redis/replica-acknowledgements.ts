import { Cluster, type Redis } from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import { UnconfirmedWriteError } from '../errors.ts'

/** The connection a write of a key is sent on, and its socket then (a reconnect makes a new one). */
export interface WriteConnection {
  readonly node: Redis
  readonly socket: unknown
}

/** Where a write of `key` goes now: the client itself, or the Cluster master owning the key's slot. */
export function writeConnections(client: Redis | Cluster): (key: string) => WriteConnection | undefined {
  if (!(client instanceof Cluster)) return () => ({ node: client, socket: client.stream })
  return (key) => {
    const owner = client.slots[calculateSlot(key)]?.[0]
    const node = owner === undefined ? undefined : client.nodes('master').find(({ options }) => `${options.host}:${options.port}` === owner)
    return node && { node, socket: node.stream }
  }
}

export interface ReplicaAcknowledgementsOptions {
  /** How many replicas must confirm each write. */
  replicas: number
  /** WAIT's own timeout, in ms (below the command timeout, so that Redis answers first). */
  timeoutMs: number
  locate: (key: string) => WriteConnection | undefined
}

interface Round {
  readonly promise: Promise<{ confirmed: number; socket: unknown }>
}

/**
 * Confirms writes with WAIT on the very connection each was sent on (WAIT counts the replicas that
 * acknowledged this connection's latest write): located before and after the write, and the socket
 * checked again when WAIT is sent, so a reconnect in between (a failover) never confirms a write
 * the new master may not hold. One WAIT at a time per connection, covering every write answered
 * before it was sent: WAIT blocks its connection, and the writes behind it would wait one timeout each.
 */
export class ReplicaAcknowledgements {
  private readonly pending = new Map<Redis, Round>()
  private readonly inFlight = new Map<Redis, Round>()

  constructor(private readonly options: ReplicaAcknowledgementsOptions) {}

  /** Runs `write` and resolves with its answer once enough replicas hold it; else UnconfirmedWriteError. */
  async afterWrite<T>(keys: readonly string[], write: () => Promise<T>): Promise<T> {
    const before = keys.map((key) => this.options.locate(key))
    const answer = await write()
    const after = keys.map((key) => this.options.locate(key))
    const connections = new Set<WriteConnection>()
    for (const [i, connection] of after.entries()) {
      const earlier = before[i]
      if (!connection || !earlier) throw this.unconfirmed(undefined, 'the connection to the master of the key was not known, so replicas could not be asked')
      if (connection.node !== earlier.node || connection.socket !== earlier.socket) {
        throw this.unconfirmed(undefined, 'the connection to it changed before replicas could confirm the write')
      }
      if (![...connections].some((c) => c.node === connection.node)) connections.add(connection)
    }
    await Promise.all([...connections].map((connection) => this.confirm(connection)))
    return answer
  }

  private async confirm({ node, socket }: WriteConnection): Promise<void> {
    let result: { confirmed: number; socket: unknown }
    try {
      result = await this.round(node).promise
    } catch (error) {
      throw this.unconfirmed(undefined, 'replicas could not be asked to confirm it (WAIT failed)', error)
    }
    if (result.socket !== socket) throw this.unconfirmed(undefined, 'the connection to it changed before replicas could confirm the write')
    if (result.confirmed < this.options.replicas) {
      throw this.unconfirmed(result.confirmed, `only ${result.confirmed} of the ${this.options.replicas} replicas required confirmed it within ${this.options.timeoutMs} ms`)
    }
  }

  /** The round not sent yet (joined), or a new one sent once the one in flight is answered. */
  private round(node: Redis): Round {
    const waiting = this.pending.get(node)
    if (waiting) return waiting
    const previous = this.inFlight.get(node)?.promise.catch(() => undefined) ?? Promise.resolve()
    const round: Round = {
      promise: previous.then(async () => {
        this.pending.delete(node)
        this.inFlight.set(node, round)
        try {
          const socket = node.stream
          const confirmed = Number(await node.call('WAIT', String(this.options.replicas), String(this.options.timeoutMs)))
          return { confirmed, socket }
        } finally {
          if (this.inFlight.get(node) === round) this.inFlight.delete(node)
        }
      }),
    }
    this.pending.set(node, round)
    return round
  }

  private unconfirmed(confirmed: number | undefined, why: string, cause?: unknown): UnconfirmedWriteError {
    return new UnconfirmedWriteError(this.options.replicas, confirmed, why, cause === undefined ? undefined : { cause })
  }
}

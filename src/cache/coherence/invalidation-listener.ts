import type { Redis } from 'ioredis'
import type { Logger } from '../../logger.ts'
import { Heartbeat } from './heartbeat.ts'
import type { TieredCache } from '../tiered-cache.ts'
import type { CoherenceGate } from './coherence-gate.ts'

/** The channel a RESP2 connection subscribes to for invalidations redirected to it. */
const INVALIDATION_CHANNEL = '__redis__:invalidate'

export interface InvalidationListenerOptions {
  /** The connection the cache reads and writes on: tracking is switched on for it, so NOLOOP knows our own writes. */
  data: Redis
  /** A connection of its own, speaking RESP2 (`protocol: 2`): ioredis drops RESP3 invalidation pushes. */
  subscriber: Redis
  cache: Pick<TieredCache, 'invalidate' | 'invalidateAll' | 'forgetLocal'>
  /** Told when this listener's invalidations may be missed, and how current its stream is proven to be. */
  gate: CoherenceGate
  logger: Logger
  /** Milliseconds between heartbeats (PING on the subscriber); 0 = none, the stream's currency is not proven. */
  heartbeatIntervalMs?: number
  /** No heartbeat answered for this long: the subscriber is taken for lost (a half-dead path) and reconnected. */
  heartbeatLostAfterMs?: number
  /** Each answered heartbeat's round trip, in ms (metrics). */
  onHeartbeat?: (roundTripMs: number) => void
}

export type InvalidationState = 'connecting' | 'tracking' | 'refused' | 'closed'

/**
 * Keeps the local tier coherent with Redis through server-assisted invalidation (CLIENT TRACKING):
 * Redis names every key that changes or expires, whoever changed it, and the key is dropped locally.
 * While either connection is down invalidations may be missed, so the local tier is suspended until
 * tracking is on again and everything held locally has been forgotten.
 */
export class InvalidationListener {
  private readonly data: Redis
  private readonly subscriber: Redis
  private readonly cache: InvalidationListenerOptions['cache']
  private readonly gate: CoherenceGate
  private readonly logger: Logger
  private readonly heartbeat: Heartbeat | undefined
  private stateNow: InvalidationState = 'connecting'
  private subscriberId: number | undefined
  /** The run_id of the server the subscriber is on: the data connection must be on the same one. */
  private subscriberServer: string | undefined
  /** Bumped by every dropped connection: an attempt that saw one in between must not resume. */
  private drops = 0
  private attempts: Promise<void> = Promise.resolve()

  constructor({ data, subscriber, cache, gate, logger, heartbeatIntervalMs = 0, heartbeatLostAfterMs = 1000, onHeartbeat }: InvalidationListenerOptions) {
    this.data = data
    this.subscriber = subscriber
    this.cache = cache
    this.gate = gate
    this.logger = logger
    if (heartbeatIntervalMs > 0) {
      this.heartbeat = new Heartbeat({
        subscriber,
        gate,
        member: this,
        intervalMs: heartbeatIntervalMs,
        lostAfterMs: heartbeatLostAfterMs,
        isTracking: () => this.stateNow === 'tracking',
        onAnswer: onHeartbeat,
        onLost: () => this.onHeartbeatLost(),
      })
    }
  }

  get state(): InvalidationState {
    return this.stateNow
  }

  private get closed(): boolean {
    return this.stateNow === 'closed'
  }

  private onDecided: () => void = () => {}
  /** Resolves the first time tracking is on or refused (start-up waits for it, briefly). */
  readonly decided: Promise<void> = new Promise((resolve) => {
    this.onDecided = resolve
  })

  /** Suspends the local tier and starts listening; tracking, and local hits, follow when Redis answers. */
  start(): void {
    this.gate.suspend(this)
    // Without a `message` listener ioredis skips joining the key array with commas (keys may hold commas).
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: unknown) => this.onInvalidation(channel, keys))
    this.subscriber.on('error', () => {}) // the data connection's listener reports Redis being down
    this.subscriber.on('close', () => {
      this.subscriberId = undefined
      this.onDrop('subscriber')
    })
    this.data.on('close', () => this.onDrop('data'))
    this.subscriber.on('ready', () => this.attempt())
    this.data.on('ready', () => this.attempt())
    this.attempt()
    this.heartbeat?.start()
  }

  async close(): Promise<void> {
    this.stateNow = 'closed'
    this.heartbeat?.stop()
    this.subscriber.disconnect()
    await this.attempts
  }

  private onInvalidation(channel: Buffer, keys: unknown): void {
    // Applied even before tracking is confirmed: dropping a copy is always safe.
    if (channel.toString() !== INVALIDATION_CHANNEL || this.closed) return
    // A null key list means FLUSHDB/FLUSHALL: everything changed.
    if (keys === null) void this.cache.invalidateAll()
    else if (Array.isArray(keys)) for (const key of keys) void this.cache.invalidate(String(key))
  }

  private onDrop(connection: 'data' | 'subscriber'): void {
    this.drops++
    if (this.stateNow !== 'tracking') return
    this.stateNow = 'connecting'
    this.logger.warn('local tier suspended until invalidations flow again', { connection })
    this.gate.suspend(this)
  }

  /** Open but silent (no RST, as on a half-dead path): treated as lost, so it reconnects and tracking starts over. */
  private onHeartbeatLost(): void {
    // No state check: the heartbeat reports a loss only while `isTracking` says so.
    this.logger.warn('invalidation heartbeat lost: reconnecting the subscriber')
    this.subscriber.disconnect(true)
  }

  private forget = (): Promise<void> => this.cache.forgetLocal()

  /** Attempts run one after another; each sees the connections as they are when it starts. */
  private attempt(): void {
    this.attempts = this.attempts.then(() => this.establish())
  }

  private async establish(): Promise<void> {
    if (this.stateNow !== 'connecting') return
    if (this.data.status !== 'ready' || this.subscriber.status !== 'ready') return
    const drops = this.drops
    // A connection dropped (or the listener closed) since this attempt began: what it learnt may be about
    // a connection that is gone, so it stops, and the next `ready` starts over.
    const overtaken = () => drops !== this.drops || this.closed
    try {
      if (this.subscriberId === undefined) {
        // CLIENT ID and INFO must come before SUBSCRIBE: a subscribed RESP2 connection takes no other command.
        const [id, server] = await Promise.all([this.subscriber.client('ID'), serverId(this.subscriber)])
        await this.subscriber.subscribe(INVALIDATION_CHANNEL)
        if (overtaken()) return
        this.subscriberId = Number(id)
        this.subscriberServer = server
      }
      // Checked before CLIENT TRACKING: a subscriber dropped meanwhile leaves no id to redirect to.
      const dataServer = await serverId(this.data)
      if (overtaken()) return
      // During a Sentinel failover the two connections may reach different servers (the old master, the
      // new one): the redirect would then name a client of another server, or a stranger with the same id.
      if (dataServer !== this.subscriberServer) {
        this.subscriber.disconnect(true)
        return
      }
      // BCAST (every key, no prefix) rather than the default mode: the default tracks only keys this
      // connection has read, and values we cache after our own writes would never be invalidated.
      // NOLOOP: our own writes already updated our copy; their echo would only drop it.
      await this.data.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(this.subscriberId), 'BCAST', 'NOLOOP')
      if (overtaken()) return
      // The first heartbeat proves the new stream current before any copy is served.
      await this.heartbeat?.beatNow()
      if (overtaken()) return
      this.stateNow = 'tracking'
      // Forgets what was held while invalidations could be missed, then serves local copies again.
      await this.gate.resume(this, this.forget)
      this.logger.info('local tier kept coherent by redis invalidations')
      this.onDecided()
    } catch (error) {
      // An attempt that saw a connection drop proves nothing, a refusal included: the next `ready` tries
      // again. ioredis sends a command left unanswered by a drop again on the next connection (the data
      // connection keeps that retry for the proxy's own commands), so this CLIENT TRACKING may have been
      // answered by another session, even another server (after a restart: "the client ID you want
      // redirect to does not exist"). Taken for a refusal, it stopped tracking for good.
      if (overtaken()) return
      if (!refusesTracking(error)) {
        // A timeout left the subscriber in an unknown state (subscribed or not): reconnecting it starts
        // over from a known one.
        this.subscriber.disconnect(true)
        return
      }
      this.stateNow = 'refused'
      this.logger.warn('redis refuses client tracking: local copies are only bounded by their TTL', { error: error.message })
      this.subscriber.disconnect()
      this.heartbeat?.stop()
      this.gate.stopHeartbeats(this)
      await this.gate.resume(this, this.forget)
      this.onDecided()
    }
  }
}

/**
 * The server's run_id: the same for two connections only when they reach the same server process.
 * Undefined where INFO is refused (an ACL): the check is then skipped, as before it existed.
 */
async function serverId(connection: Redis): Promise<string | undefined> {
  try {
    return /^run_id:(\w+)/m.exec(await connection.info('server'))?.[1]
  } catch (error) {
    if (isRefusal(error)) return undefined
    throw error
  }
}

/** An error answer from Redis itself (unknown command, NOPERM…), not a lost connection or a timeout. */
function isRefusal(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * Whether an attempt's error says Redis will not track for us (CLIENT refused, unknown command…).
 * "The client ID you want redirect to does not exist" does not: the subscriber went (killed, or its
 * close not yet seen here) between CLIENT ID and CLIENT TRACKING, and a new subscriber gets a new id.
 */
function refusesTracking(error: unknown): error is Error {
  return isRefusal(error) && !/redirect to does not exist/i.test(error.message)
}

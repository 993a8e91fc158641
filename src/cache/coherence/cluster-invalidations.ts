import type { Cluster, Redis } from 'ioredis'
import type { Logger } from '../../logger.ts'
import { InvalidationListener, type InvalidationListenerOptions } from './invalidation-listener.ts'
import type { CoherenceGate } from './coherence-gate.ts'

export interface ClusterInvalidationsOptions {
  cluster: Cluster
  cache: InvalidationListenerOptions['cache']
  gate: CoherenceGate
  logger: Logger
  /** A RESP2 connection of its own to the same node as `node`. */
  subscriberFor: (node: Redis) => Redis
  /** Every master's listener heartbeats on its own subscriber: the gate holds the oldest. */
  heartbeat?: Pick<InvalidationListenerOptions, 'heartbeatIntervalMs' | 'heartbeatLostAfterMs' | 'onHeartbeat'>
}

/** Stands for "the set of nodes may have changed": suspended from a lost node until the next slot refresh. */
const TOPOLOGY = Symbol('topology')

/**
 * Invalidations on a Redis Cluster. Tracking redirects only to a connection on the same node, so
 * every master connection of the pool gets its own listener and subscriber; local copies are served
 * only while every node's invalidations flow, and forgotten whenever one of them may have missed some.
 */
export class ClusterInvalidations {
  private readonly cluster: Cluster
  private readonly cache: ClusterInvalidationsOptions['cache']
  private readonly gate: CoherenceGate
  private readonly logger: Logger
  private readonly subscriberFor: (node: Redis) => Redis
  private readonly heartbeat: ClusterInvalidationsOptions['heartbeat']
  private readonly listeners = new Map<Redis, InvalidationListener>()
  private closed = false
  /** Resolves the first time local copies are served (every node tracking, or refusing it). */
  readonly decided: Promise<void>

  constructor({ cluster, cache, gate, logger, subscriberFor, heartbeat }: ClusterInvalidationsOptions) {
    this.cluster = cluster
    this.cache = cache
    this.gate = gate
    this.logger = logger
    this.subscriberFor = subscriberFor
    this.heartbeat = heartbeat
    this.gate.suspend(TOPOLOGY)
    this.decided = this.gate.whenOpen()
  }

  start(): void {
    this.cluster.on('+node', (node: Redis) => this.add(node))
    this.cluster.on('-node', (node: Redis) => this.remove(node))
    // After a slot refresh the pool holds every master, and the new ones have their own listeners.
    this.cluster.on('refresh', () => void this.resume(TOPOLOGY))
    this.cluster.on('ready', () => void this.resume(TOPOLOGY))
    for (const node of this.cluster.nodes('master')) this.add(node)
    if (this.cluster.status === 'ready') void this.resume(TOPOLOGY)
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.listeners.values()].map((listener) => listener.close()))
  }

  private add(node: Redis): void {
    if (this.closed || this.listeners.has(node) || node.options.readOnly) return
    // Each listener is a member of the gate of its own: local copies are served only while every node's invalidations flow.
    const listener = new InvalidationListener({ data: node, subscriber: this.subscriberFor(node), cache: this.cache, gate: this.gate, logger: this.logger, ...this.heartbeat })
    this.listeners.set(node, listener)
    listener.start()
    // The pool connects to a node lazily, at its first command: tracking needs the connection now.
    if (node.status === 'wait') node.connect().catch(() => {})
  }

  private remove(node: Redis): void {
    const listener = this.listeners.get(node)
    if (!listener) return
    this.listeners.delete(node)
    this.gate.suspend(TOPOLOGY)
    this.gate.leave(listener)
    void listener.close()
  }

  private async resume(member: unknown): Promise<void> {
    if (this.closed) return
    await this.gate.resume(member, () => this.cache.forgetLocal())
  }
}

import type { Cluster, Redis } from 'ioredis'
import type { Logger } from '../../logger.ts'
import { InvalidationListener, type InvalidationListenerOptions } from './invalidation-listener.ts'
import type { TieredCache } from '../tiered-cache.ts'

export interface ClusterInvalidationsOptions {
  cluster: Cluster
  cache: Pick<TieredCache, 'invalidate' | 'invalidateAll' | 'suspendLocal' | 'resumeLocal' | 'localSuspended'>
  logger: Logger
  /** A RESP2 connection of its own to the same node as `node`. */
  subscriberFor: (node: Redis) => Redis
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
  private readonly logger: Logger
  private readonly subscriberFor: (node: Redis) => Redis
  private readonly listeners = new Map<Redis, InvalidationListener>()
  /** Members whose invalidations may be missed: a listener, or the topology itself. */
  private readonly suspended = new Set<unknown>()
  private closed = false
  private onDecided: () => void = () => {}
  /** Resolves the first time local copies are served (every node tracking, or refusing it). */
  readonly decided: Promise<void> = new Promise((resolve) => {
    this.onDecided = resolve
  })

  constructor({ cluster, cache, logger, subscriberFor }: ClusterInvalidationsOptions) {
    this.cluster = cluster
    this.cache = cache
    this.logger = logger
    this.subscriberFor = subscriberFor
  }

  start(): void {
    this.suspend(TOPOLOGY)
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
    const listener = new InvalidationListener({ data: node, subscriber: this.subscriberFor(node), cache: this.memberOf(node), logger: this.logger })
    this.listeners.set(node, listener)
    listener.start()
    // The pool connects to a node lazily, at its first command: tracking needs the connection now.
    if (node.status === 'wait') node.connect().catch(() => {})
  }

  private remove(node: Redis): void {
    const listener = this.listeners.get(node)
    if (!listener) return
    this.listeners.delete(node)
    this.suspend(TOPOLOGY)
    this.suspended.delete(node)
    void listener.close()
  }

  /** The cache as one node's listener sees it: its suspension is one among the nodes'. */
  private memberOf(node: Redis): InvalidationListenerOptions['cache'] {
    return {
      invalidate: (key) => this.cache.invalidate(key),
      invalidateAll: () => this.cache.invalidateAll(),
      suspendLocal: () => this.suspend(node),
      resumeLocal: () => this.resume(node),
    }
  }

  private suspend(member: unknown): void {
    this.suspended.add(member)
    this.cache.suspendLocal()
  }

  private async resume(member: unknown): Promise<void> {
    this.suspended.delete(member)
    if (this.suspended.size > 0 || this.closed) return
    await this.cache.resumeLocal()
    if (!this.cache.localSuspended) this.onDecided()
  }
}

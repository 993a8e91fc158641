import { StoreUnavailableError } from '../../src/cache/errors.ts'
import type { RedisStore } from '../../src/cache/redis/redis-store.ts'
import type { Value } from '../../src/cache/value.ts'

/**
 * A fault-injecting wrapper around a real RedisStore: the command runs on the real Redis, and the test
 * decides when its answer comes back (a late reply) or turns it into a failure of unknown outcome.
 */
export class ControlledStore implements RedisStore {
  /** GETs that reached Redis (each read's round trip, shared ones once). */
  reads = 0
  /** Writes and deletes are applied, then answered with a timeout: their outcome is unknown to the caller. */
  failWrites = false
  /** Nothing reaches Redis: every command fails as with no connection. */
  down = false
  private readonly heldReads: Promise<void>[] = []
  private readonly heldWrites: Promise<void>[] = []

  constructor(private readonly inner: RedisStore) {}

  /** The next read's answer (already read from Redis) waits until the returned function is called. */
  holdNextRead(): () => void {
    return hold(this.heldReads)
  }

  /** The next write's or delete's answer (already applied) waits until the returned function is called. */
  holdNextWrite(): () => void {
    return hold(this.heldWrites)
  }

  async get(key: string): Promise<Value | null> {
    return (await this.getWithTtl(key)).value
  }

  async getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }> {
    this.failIfDown()
    this.reads++
    const held = this.heldReads.shift()
    const answer = await this.inner.getWithTtl(key)
    await held
    return answer
  }

  async set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }> {
    return this.written(() => this.inner.set(key, value, ttlSeconds))
  }

  async delete(key: string): Promise<boolean> {
    return this.written(() => this.inner.delete(key))
  }

  async ping(): Promise<void> {
    this.failIfDown()
    await this.inner.ping()
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  private async written<T>(write: () => Promise<T>): Promise<T> {
    this.failIfDown()
    const held = this.heldWrites.shift()
    const answer = await write()
    await held
    if (this.failWrites) throw new StoreUnavailableError('redis', 'timeout', 'Redis is unavailable: Command timed out')
    return answer
  }

  private failIfDown(): void {
    if (this.down) throw new StoreUnavailableError('redis', 'unreachable', "Redis is unavailable: Stream isn't writeable")
  }
}

function hold(queue: Promise<void>[]): () => void {
  let release = () => {}
  queue.push(new Promise<void>((resolve) => (release = resolve)))
  return release
}

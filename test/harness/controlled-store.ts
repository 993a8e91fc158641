import { StoreUnavailableError } from '../../src/cache/errors.ts'
import type { RedisStore, ValueWithTtl } from '../../src/cache/redis/redis-store.ts'
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
  private readonly heldReads: Hold[] = []
  private readonly heldWrites: Hold[] = []

  constructor(private readonly inner: RedisStore) {}

  /** The next read's answer (read from Redis, then held) waits until released. */
  holdNextRead(): Hold {
    return queued(this.heldReads)
  }

  /** The next write's or delete's answer (applied, then held) waits until released. */
  holdNextWrite(): Hold {
    return queued(this.heldWrites)
  }

  async get(key: string): Promise<Value | null> {
    return (await this.getWithTtl(key)).value
  }

  async getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }> {
    this.failIfDown()
    this.reads++
    const held = this.heldReads.shift()
    const answer = await this.inner.getWithTtl(key)
    await held?.answered()
    return answer
  }

  async getManyWithTtl(keys: readonly string[]): Promise<ValueWithTtl[]> {
    this.failIfDown()
    this.reads++
    const held = this.heldReads.shift()
    const answer = await this.inner.getManyWithTtl(keys)
    await held?.answered()
    return answer
  }

  async ttl(key: string): Promise<number> {
    this.failIfDown()
    return this.inner.ttl(key)
  }

  async setMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]> {
    return this.written(() => this.inner.setMany(pairs, ttlSeconds))
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
    await held?.answered()
    if (this.failWrites) throw new StoreUnavailableError('redis', 'timeout', 'Redis is unavailable: Command timed out')
    return answer
  }

  private failIfDown(): void {
    if (this.down) throw new StoreUnavailableError('redis', 'unreachable', "Redis is unavailable: Stream isn't writeable")
  }
}

/** One held answer: Redis has answered once `reached` resolves; the caller gets it once released. */
export interface Hold {
  readonly reached: Promise<void>
  release(): void
  /** Called by the store with Redis's answer in hand: marks it reached and waits for the release. */
  answered(): Promise<void>
}

function queued(queue: Hold[]): Hold {
  let reach = () => {}
  let release = () => {}
  const reached = new Promise<void>((resolve) => (reach = resolve))
  const released = new Promise<void>((resolve) => (release = resolve))
  const hold: Hold = {
    reached,
    release: () => release(),
    answered: () => {
      reach()
      return released
    },
  }
  queue.push(hold)
  return hold
}

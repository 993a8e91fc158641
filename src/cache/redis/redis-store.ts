import type { Cluster, Redis } from 'ioredis'
import { valueFromBytes, type Value } from '../value.ts'
import { CrossSlotError, isUnreachableCode, StoreUnavailableError, WrongTypeError, type FailureReason } from '../errors.ts'
import { withStringScripts, WRONG_TYPE_DELETE, WRONG_TYPE_PTTL, type StringScripts } from './string-scripts.ts'

/** A value with its remaining lifetime in ms (PTTL: -1 no expiry, -2 gone). */
export interface ValueWithTtl {
  readonly value: Value | null
  readonly ttlMs: number
}

/**
 * The system of record: every answer the proxy gives comes from here or from a copy of it. Keys hold
 * strings (any bytes); a key of another type is refused with WrongTypeError and left as it is. Failures
 * to reach Redis are StoreUnavailableError; for a write, its outcome is then unknown.
 */
export interface RedisStore {
  get(key: string): Promise<Value | null>
  /** The value and its remaining lifetime in ms (PTTL: -1 no expiry, -2 gone), in one round trip. */
  getWithTtl(key: string): Promise<ValueWithTtl>
  /**
   * getWithTtl for several keys (repeats allowed), answered in their order, all in one round trip (one
   * per node on a Cluster). A read: nothing to acknowledge or replicate.
   */
  getManyWithTtl(keys: readonly string[]): Promise<ValueWithTtl[]>
  /** Writes the value (ttlSeconds 0 = no expiry); tells whether the key existed before. */
  set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }>
  /**
   * Writes every pair or none, in one atomic step (ttlSeconds 0 = no expiry); tells, in their order,
   * whether each key existed before. Keys must be distinct. WrongTypeError (naming the first such key)
   * when one holds another type; CrossSlotError on a Cluster when they hash to several slots. Either
   * way nothing was written.
   */
  setMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]>
  /** Removes the key; tells whether it existed. WrongTypeError, deleting nothing, when it holds another type. */
  delete(key: string): Promise<boolean>
  /** The key's remaining lifetime in ms (PTTL: -1 no expiry, -2 absent); WrongTypeError when it holds another type. */
  ttl(key: string): Promise<number>
  ping(): Promise<void>
  close(): Promise<void>
}

/** RedisStore on an ioredis client (single node or Cluster). */
export class IoRedisStore implements RedisStore {
  private readonly client: (Redis | Cluster) & StringScripts

  constructor(client: Redis | Cluster) {
    this.client = withStringScripts(client)
  }

  /** The read hot path: one promise on ioredis' own, not an async function around it. */
  get(key: string): Promise<Value | null> {
    // Bytes, not ioredis' string: its decoding turns bytes that are not UTF-8 into U+FFFD.
    return this.client.getBuffer(key).then(valueOrNull, (error: unknown) => {
      throw translate(error, key)
    })
  }

  async getWithTtl(key: string): Promise<ValueWithTtl> {
    try {
      // Sent in the same tick, auto-pipelining puts both on the wire together: one round trip, no MULTI.
      const [bytes, ttlMs] = await Promise.all([this.client.getBuffer(key), this.client.pttl(key)])
      return { value: valueOrNull(bytes), ttlMs }
    } catch (error) {
      throw translate(error, key)
    }
  }

  async getManyWithTtl(keys: readonly string[]): Promise<ValueWithTtl[]> {
    if (this.client.isCluster) return this.getManyPipelined(keys)
    let answer: (Buffer | number | null)[]
    try {
      answer = await this.client.proxyGetManyBuffer(keys.length, ...keys)
    } catch (error) {
      throw translate(error, keys[0] ?? '')
    }
    if (answer[0] !== 0) throw new WrongTypeError(keys[(answer[0] as number) - 1]!)
    return keys.map((_, index) => ({ value: valueOrNull(answer[2 * index + 1] as Buffer | null), ttlMs: answer[2 * index + 2] as number }))
  }

  /** A Cluster's keys may span slots, which one script (or MGET) cannot: a GET and a PTTL per key instead. */
  private async getManyPipelined(keys: readonly string[]): Promise<ValueWithTtl[]> {
    // Issued in one tick: auto-pipelining sends them together, one pipeline per node, and GET, unlike
    // MGET, says WRONGTYPE rather than nil for a list.
    const replies = keys.map((key) =>
      Promise.all([this.client.getBuffer(key), this.client.pttl(key)]).then(
        ([bytes, ttlMs]): ValueWithTtl => ({ value: valueOrNull(bytes), ttlMs }),
        (error: unknown) => {
          throw translate(error, key)
        },
      ),
    )
    const settled = await Promise.allSettled(replies)
    // Every reply is in before answering, so no rejection is left unhandled; the first failure in key order wins.
    return settled.map((reply) => {
      if (reply.status === 'rejected') throw reply.reason
      return reply.value
    })
  }

  async setMany(pairs: readonly (readonly [string, Value])[], ttlSeconds: number): Promise<{ existed: boolean }[]> {
    const keys = pairs.map(([key]) => key)
    let answer: number[]
    try {
      answer = await this.client.proxySetMany(keys.length, ...keys, ttlSeconds, ...pairs.map(([, value]) => value))
    } catch (error) {
      if (isCrossSlot(error)) throw new CrossSlotError(keys)
      throw translate(error, keys[0] ?? '')
    }
    if (answer[0] !== 0) throw new WrongTypeError(keys[answer[0]! - 1]!)
    return keys.map((_, index) => ({ existed: answer[index + 1] === 1 }))
  }

  async set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }> {
    try {
      // SET … GET answers the old value in the same atomic step, and refuses (WRONGTYPE) to clobber a non-string.
      const previous =
        ttlSeconds > 0
          ? await this.client.set(key, value, 'EX', ttlSeconds, 'GET')
          : await this.client.set(key, value, 'GET')
      return { existed: previous !== null }
    } catch (error) {
      throw translate(error, key)
    }
  }

  async delete(key: string): Promise<boolean> {
    let deleted: number
    try {
      deleted = await this.client.proxyDeleteString(key)
    } catch (error) {
      throw translate(error, key)
    }
    if (deleted === WRONG_TYPE_DELETE) throw new WrongTypeError(key)
    return deleted > 0
  }

  async ttl(key: string): Promise<number> {
    let ttlMs: number
    try {
      ttlMs = await this.client.proxyStringPttl(key)
    } catch (error) {
      throw translate(error, key)
    }
    if (ttlMs === WRONG_TYPE_PTTL) throw new WrongTypeError(key)
    return ttlMs
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping()
    } catch (error) {
      throw translate(error, '')
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit()
    } catch {
      this.client.disconnect()
    }
  }
}

const valueOrNull = (bytes: Buffer | null): Value | null => (bytes === null ? null : valueFromBytes(bytes))

function translate(error: unknown, key: string): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('WRONGTYPE')) return new WrongTypeError(key)
  return new StoreUnavailableError('redis', failureReason(error, message), `Redis is unavailable: ${message}`, { cause: error })
}

/** ioredis names its timeout and its refusals to queue only in their messages: read once, here, at its boundary. */
function failureReason(error: unknown, message: string): FailureReason {
  if (message === IOREDIS_TIMEOUT) return 'timeout'
  if ((error instanceof Error && error.name === 'MaxRetriesPerRequestError') || IOREDIS_NOT_CONNECTED.has(message) || isUnreachableCode(error)) return 'unreachable'
  return 'error'
}

/** Redis's CROSSSLOT reply, or ioredis refusing to send (its pipelines, auto-pipelining too, check slots first). */
function isCrossSlot(error: unknown): boolean {
  const message = error instanceof Error ? error.message : ''
  return message.startsWith('CROSSSLOT') || message === IOREDIS_CROSS_SLOT
}

const IOREDIS_CROSS_SLOT = 'All the keys in a pipeline command should belong to the same slot'
const IOREDIS_TIMEOUT = 'Command timed out'
const IOREDIS_NOT_CONNECTED = new Set(["Stream isn't writeable and enableOfflineQueue options is false", 'Connection is closed.', 'None of startup nodes is available'])

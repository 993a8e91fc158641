import type { Cluster, Redis } from 'ioredis'
import { valueFromBytes, type Value } from '../value.ts'
import { isUnreachableCode, StoreUnavailableError, WrongTypeError, type FailureReason } from '../errors.ts'

/** The system of record: every answer the proxy gives comes from here or from a copy of it. */
export interface RedisStore {
  get(key: string): Promise<Value | null>
  /** The value and its remaining lifetime in ms (PTTL: -1 no expiry, -2 gone), in one round trip. */
  getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }>
  /** Writes the value (ttlSeconds 0 = no expiry); tells whether the key existed before. */
  set(key: string, value: Value, ttlSeconds: number): Promise<{ existed: boolean }>
  /** Removes the key; tells whether it existed. */
  delete(key: string): Promise<boolean>
  ping(): Promise<void>
  close(): Promise<void>
}

/** RedisStore on an ioredis client (single node or Cluster). */
export class IoRedisStore implements RedisStore {
  constructor(private readonly client: Redis | Cluster) {}

  /** The read hot path: one promise on ioredis' own, not an async function around it. */
  get(key: string): Promise<Value | null> {
    // Bytes, not ioredis' string: its decoding turns bytes that are not UTF-8 into U+FFFD.
    return this.client.getBuffer(key).then(valueOrNull, (error: unknown) => {
      throw translate(error, key)
    })
  }

  async getWithTtl(key: string): Promise<{ value: Value | null; ttlMs: number }> {
    try {
      // Sent in the same tick, auto-pipelining puts both on the wire together: one round trip, no MULTI.
      const [bytes, ttlMs] = await Promise.all([this.client.getBuffer(key), this.client.pttl(key)])
      return { value: valueOrNull(bytes), ttlMs }
    } catch (error) {
      throw translate(error, key)
    }
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
    try {
      return (await this.client.del(key)) > 0
    } catch (error) {
      throw translate(error, key)
    }
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

const IOREDIS_TIMEOUT = 'Command timed out'
const IOREDIS_NOT_CONNECTED = new Set(["Stream isn't writeable and enableOfflineQueue options is false", 'Connection is closed.', 'None of startup nodes is available'])
